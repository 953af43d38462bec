// `lifeboat diff` on two real backups in Ceph RGW of a real PostgreSQL database, and against the
// live database: tables added, removed, changed by an update, unchanged although rewritten in
// another physical order; a view's changed definition; the rows of one table, by primary key.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupDiff, TableRowDiff } from '../../shared/backup-contents.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { diffBackups, diffTable } from '../../electron/engine/diff/run-diff.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let pg: PgCluster;
let s3: S3Server;
let env: NodeJS.ProcessEnv;
let to: string;
let keyA: string;
let keyB: string;

const physicalOrder = async (): Promise<string[]> => (await pg.query<{ id: string }>('SELECT id::text FROM customers', [], 'shop')).map((r) => r.id);

beforeAll(async () => {
  const home = await tempHome();
  [pg, s3] = await Promise.all([startCluster({ major: 15 }), startS3Server()]);
  env = { ...process.env, ...home, ...s3.env };
  await s3.createBucket('diffs');
  to = s3.storageUrl('diffs');
  await pg.createDatabase('shop');
  await pg.query(
    `CREATE TABLE customers (id int PRIMARY KEY, name text, since timestamptz);
     CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total numeric(10,2), note text);
     CREATE TABLE gone (id int PRIMARY KEY);
     CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
     INSERT INTO customers SELECT g, 'customer ' || g, '2026-01-01 12:00+00'::timestamptz + g * interval '1 hour' FROM generate_series(1, 200) g;
     INSERT INTO orders SELECT g, 1 + g % 200, g * 1.25, CASE WHEN g % 3 = 0 THEN NULL WHEN g % 3 = 1 THEN '' ELSE E'tab\\there' END FROM generate_series(1, 2000) g;
     INSERT INTO gone VALUES (1), (2);`,
    [],
    'shop',
  );
  keyA = (await runBackup({ db: pg.url('shop'), to, env, now: () => new Date('2026-11-20T03:00:00Z') })).key;
  const orderBefore = await physicalOrder();
  await pg.query(
    `UPDATE customers SET name = name WHERE id % 2 = 0;
     UPDATE orders SET total = 9.99 WHERE id = 7;
     DELETE FROM orders WHERE id = 8;
     INSERT INTO orders VALUES (2001, 5, 1.00, 'new');
     DROP TABLE gone;
     CREATE TABLE refunds (id int PRIMARY KEY, order_id int);
     INSERT INTO refunds VALUES (1, 7);
     CREATE OR REPLACE VIEW big_orders AS SELECT * FROM orders WHERE total > 200;`,
    [],
    'shop',
  );
  // The premise of "unchanged": the same rows, in another physical order (what pg_dump writes).
  expect(await physicalOrder()).not.toEqual(orderBefore);
  keyB = (await runBackup({ db: pg.url('shop'), to, env, now: () => new Date('2026-11-25T10:11:12Z') })).key;
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

const changes = (d: BackupDiff) => Object.fromEntries(d.tables.map((t) => [`${t.schema}.${t.name}`, [t.change, t.rowsBefore, t.rowsAfter]]));

describe('lifeboat diff', () => {
  it('compares two backups by table and definition', async () => {
    const d = await diffBackups({ to, before: keyA, after: { key: keyB }, env });
    expect(d.before).toBe(keyA);
    expect(d.after).toBe(keyB);
    expect(changes(d)).toEqual({
      'public.customers': ['unchanged', 200, 200],
      'public.orders': ['changed', 2000, 2000],
      'public.gone': ['removed', 2, null],
      'public.refunds': ['added', null, 1],
    });
    const defs = d.definitions.map((x) => `${x.change} ${x.kind} ${x.schema}.${x.name}`);
    expect(defs).toContain('changed VIEW public.big_orders');
    expect(defs).toContain('removed TABLE public.gone');
    expect(defs).toContain('added TABLE public.refunds');
    expect(defs).toContain('added CONSTRAINT public.refunds refunds_pkey');
    expect(defs.filter((x) => /customers|orders /.test(x) && !/big_orders/.test(x))).toEqual([]);

    // The CLI prints the same, as JSON and as text.
    const json = await runCli(['diff', '--to', to, '--key', keyA, '--key', keyB, '--json'], env);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual(d);
    const text = await runCli(['diff', '--to', to, '--key', keyA, '--key', keyB], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('  changed  public.orders  (2,000 → 2,000 rows)\n');
    expect(text.stdout).toContain('  added    public.refunds  (1 rows)\n');
    expect(text.stdout).toContain('  1 table unchanged\n');
    expect(text.stdout).toContain('  changed  VIEW public.big_orders\n');
  });

  it('gives the row-level diff of one table by its primary key, with the changed columns', async () => {
    const d = await diffTable({ to, before: keyA, after: { key: keyB }, table: 'orders', env });
    expect(d.keyColumns).toEqual(['id']);
    expect(d.columns).toEqual(['id', 'customer_id', 'total', 'note']);
    expect(d.counts).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(d.truncated).toBe(false);
    expect(d.changes).toEqual(
      expect.arrayContaining([
        { change: 'changed', key: ['7'], changedColumns: ['total'], before: ['7', '8', '8.75', ''], after: ['7', '8', '9.99', ''] },
        { change: 'removed', key: ['8'], before: ['8', '9', '10.00', 'tab\there'] },
        { change: 'added', key: ['2001'], after: ['2001', '5', '1.00', 'new'] },
      ]),
    );
    expect(d.changes).toHaveLength(3);
    // Unchanged (physically reordered) rows are no change.
    const same = await diffTable({ to, before: keyA, after: { key: keyB }, table: 'public.customers', env });
    expect(same.changes).toEqual([]);

    const cli = await runCli(['diff', '--to', to, '--key', keyA, '--key', keyB, '--table', 'public.orders', '--json'], env);
    expect((JSON.parse(cli.stdout) as TableRowDiff).counts).toEqual({ added: 1, removed: 1, changed: 1 });
    const text = await runCli(['diff', '--to', to, '--key', keyA, '--key', keyB, '--table', 'public.orders', '--limit', '1'], env);
    expect(text.stdout).toMatch(/^Rows of public\.orders by id: 1 added, 1 removed, 1 changed\n/);
    expect(text.stdout).toContain('… and more; raise --limit (now 1) to see them.');
  });

  it('compares a backup with the live database (same fingerprints for the same rows)', async () => {
    await pg.query(`INSERT INTO customers VALUES (201, 'late', now()); ALTER TABLE refunds ADD COLUMN reason text;`, [], 'shop');
    const d = await diffBackups({ to, before: keyB, after: { live: pg.url('shop') }, env });
    expect(d.after).toBe('live');
    expect(changes(d)).toEqual({
      'public.customers': ['changed', 200, 201],
      'public.orders': ['unchanged', 2000, 2000],
      // A new column changes the COPY text of every row, hence the fingerprint.
      'public.refunds': ['changed', 1, 1],
    });
    expect(d.definitions.map((x) => `${x.change} ${x.kind} ${x.schema}.${x.name}`)).toEqual(['changed TABLE public.refunds']);

    const rows = await runCli(['diff', '--to', to, '--key', keyB, '--live', pg.url('shop'), '--table', 'customers', '--json'], env);
    expect(rows.stderr).toBe('');
    const r = JSON.parse(rows.stdout) as TableRowDiff;
    expect(r.counts).toEqual({ added: 1, removed: 0, changed: 0 });
    expect(r.changes[0]).toMatchObject({ change: 'added', key: ['201'] });
  });

  it('gives the same answers without an index, and from a damaged one (never wrong data)', async () => {
    const byIndex = await diffBackups({ to, before: keyA, after: { key: keyB }, env });
    const rowsByIndex = await diffTable({ to, before: keyA, after: { key: keyB }, table: 'public.orders', env });
    // Offsets shifted in keyB's index: the block there does not carry the promised dump id.
    const text = await (await s3.client.send(new GetObjectCommand({ Bucket: 'diffs', Key: `${keyB}.index.json` }))).Body!.transformToString();
    const idx = JSON.parse(text) as { blocks: { archive: { offset: number }; stored: { offset: number } }[] };
    for (const b of idx.blocks) {
      b.archive.offset += 1;
      b.stored.offset += 1;
    }
    await s3.client.send(new PutObjectCommand({ Bucket: 'diffs', Key: `${keyB}.index.json`, Body: JSON.stringify(idx) }));
    expect(await diffTable({ to, before: keyA, after: { key: keyB }, table: 'public.orders', env })).toEqual(rowsByIndex);
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'diffs', Key: `${keyA}.index.json` }));
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'diffs', Key: `${keyB}.index.json` }));
    expect(await diffBackups({ to, before: keyA, after: { key: keyB }, env })).toEqual(byIndex);
    expect(await diffTable({ to, before: keyA, after: { key: keyB }, table: 'public.orders', env })).toEqual(rowsByIndex);
  });

  it('refuses incomplete requests with one sentence and changes nothing', async () => {
    const one = await runCli(['diff', '--to', to, '--key', keyA], env);
    expect(one.code).toBe(1);
    expect(one.stderr).toBe('lifeboat: Give two backups, --key OLDER --key NEWER, or one --key and --live postgresql://… (see `lifeboat list`).\n');
    const nopk = await runCli(['diff', '--to', to, '--key', keyA, '--key', keyB, '--table', 'public.nothing'], env);
    expect(nopk.code).toBe(1);
    expect(nopk.stderr).toMatch(/^lifeboat: Table public\.nothing has no primary key/);
  });
});
