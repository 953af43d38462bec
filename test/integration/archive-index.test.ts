// The archive index end to end against real PostgreSQL 15, pg_dump 15 and Ceph RGW: a backup
// writes it beside the unchanged archive; show and peek read through it with ranged requests
// (encrypted or not), agreeing row for row with PostgreSQL's own text output; a wrong index is
// caught by the dump id at its offset and the rows come from the stream; `lifeboat index` builds
// one for an archive uploaded by hand.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peekTable, showBackup } from '../../electron/engine/archive/browse.js';
import { parseIndexText } from '../../electron/engine/archive/index-file.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { generateMasterKey } from '../../electron/engine/crypto/master-key.js';
import { manifestSchema } from '../../shared/manifest.js';
import { runCli, tempHome } from '../support/cli.js';
import { seedRealisticDatabase } from '../support/fixtures.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { seedRandomTable, textRows } from '../support/random-table.js';
import { PG15_BIN } from '../support/rich-database.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const execFileAsync = promisify(execFile);
let pgc: PgCluster;
let s3: S3Server;
const BUCKET = 'indexed';

async function stored(key: string): Promise<Buffer> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

const put = (Key: string, Body: string | Buffer) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));

beforeAll(async () => {
  [pgc, s3] = await Promise.all([startCluster({ major: 15 }), startS3Server()]);
  await s3.createBucket(BUCKET);
  await pgc.createDatabase('shop');
  await seedRealisticDatabase(pgc, 'shop', { rows: 3000 });
  await seedRandomTable(pgc, 'shop', 'public.random_a', 11, 300);
  await seedRandomTable(pgc, 'shop', 'public.random_b', 12, 0);
  await seedRandomTable(pgc, 'shop', 'public.random_c', 13, 150);
  await pgc.query('CREATE VIEW public.big_orders AS SELECT * FROM sales.orders WHERE total > 500', [], 'shop');
});

afterAll(async () => {
  await Promise.all([pgc?.stop(), s3?.stop()]);
});

describe.each([
  ['not encrypted', false],
  ['encrypted', true],
])('a backup, %s, with its archive index', (_name, encrypted) => {
  const master = generateMasterKey();
  const resolveKey = () => master;
  let key = '';

  it('stores the archive unchanged, the index beside it, and exact counts without a count(*) pass', async () => {
    const env = { ...process.env, ...s3.env };
    const r = await runBackup({ db: pgc.url('shop'), to: s3.storageUrl(BUCKET), env, ...(encrypted ? { encryption: master } : {}) });
    key = r.key;
    const object = await stored(key);
    expect(createHash('sha256').update(object).digest('hex')).toBe(r.sha256);
    const manifest = manifestSchema.parse(JSON.parse((await stored(`${key}.manifest.json`)).toString('utf8')));
    const indexBytes = await stored(`${key}.index.json`);
    expect(manifest.index).toEqual({ sizeBytes: indexBytes.length, sha256: createHash('sha256').update(indexBytes).digest('hex') });
    const read = parseIndexText(indexBytes.toString('utf8'), key);
    if (read.status !== 'ok') throw new Error(JSON.stringify(read));
    expect(read.index.storedBytes).toBe(object.length);
    expect(read.index.encryption !== null).toBe(encrypted);
    for (const t of manifest.tables) {
      const [row] = await pgc.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${t.schema.replaceAll('"', '""')}"."${t.name.replaceAll('"', '""')}"`, [], 'shop');
      expect(t.rows, `${t.schema}.${t.name}`).toBe(Number(row?.n));
    }
    expect(manifest.rowCounts).toBe('exact');
  });

  it('shows tables, rows, sizes and other objects from the index alone', async () => {
    const c = await showBackup({ to: s3.storageUrl(BUCKET), key, env: { ...process.env, ...s3.env }, resolveKey });
    expect(c).toMatchObject({ key, database: 'shop', format: 'custom', indexed: true });
    expect(c.schemas).toEqual(expect.arrayContaining(['public', 'sales', 'Odd Schema']));
    expect(c.tables.find((t) => t.name === 'orders')).toMatchObject({ schema: 'sales', rows: 6000 });
    expect(c.tables.find((t) => t.name === 'random_b')).toMatchObject({ rows: 0 });
    expect(c.tables.every((t) => t.storedBytes !== null && t.storedBytes > 0 && /^[0-9a-f]{32}$/.test(t.fingerprint ?? ''))).toBe(true);
    expect(c.objects).toEqual(expect.arrayContaining([{ kind: 'VIEW', schema: 'public', name: 'big_orders' }]));
  });

  it.each(['public.random_a', 'public.random_b', 'public.random_c', 'Odd Schema.Table With "Quotes" and spaces', 'sales.customers'])('peeks %s through the index, row for row as PostgreSQL prints it', async (table) => {
    const [schema, name] = [table.slice(0, table.indexOf('.')), table.slice(table.indexOf('.') + 1)];
    const expected = await textRows(pgc, 'shop', `"${schema}"."${name.replaceAll('"', '""')}"`);
    const p = await peekTable({ to: s3.storageUrl(BUCKET), key, env: { ...process.env, ...s3.env }, resolveKey, table, limit: 10_000 });
    expect(p.via).toBe('index');
    expect(p.rows.length).toBe(Math.min(expected.length, 10_000));
    expect(p.rows).toEqual(expected.slice(0, 10_000));
    const few = await peekTable({ to: s3.storageUrl(BUCKET), key, env: { ...process.env, ...s3.env }, resolveKey, table, limit: 3 });
    expect(few.rows).toEqual(expected.slice(0, 3));
    expect(few.truncated).toBe(expected.length > 3);
  });

  it('catches a wrong index by the dump id at its offset and reads the stream instead', async () => {
    const text = (await stored(`${key}.index.json`)).toString('utf8');
    const read = parseIndexText(text, key);
    if (read.status !== 'ok') throw new Error('no index');
    const idx = read.index;
    const id = (tag: string) => idx.entries.find((e) => e.tag === tag && e.desc === 'TABLE DATA')!.dumpId;
    const a = idx.blocks.find((b) => b.dumpId === id('random_a'))!;
    const c = idx.blocks.find((b) => b.dumpId === id('random_c'))!;
    // Swap the two tables' ranges: each offset now holds another table's block.
    [a.archive, c.archive] = [c.archive, a.archive];
    [a.stored, c.stored] = [c.stored, a.stored];
    await put(`${key}.index.json`, JSON.stringify(idx));
    const p = await peekTable({ to: s3.storageUrl(BUCKET), key, env: { ...process.env, ...s3.env }, resolveKey, table: 'public.random_a', limit: 10_000 });
    expect(p.via).toBe('stream');
    expect(p.note).toMatch(/archive index .* is wrong/);
    expect(p.rows).toEqual(await textRows(pgc, 'shop', 'public.random_a'));
    await put(`${key}.index.json`, text);
  });
});

it('`lifeboat index` indexes a pg_dump archive uploaded by hand; show and peek then use it', async () => {
  const { stdout: archive } = await execFileAsync(`${PG15_BIN}/pg_dump`, ['--format=custom', '--dbname', pgc.url('shop')], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const key = 'database_backups/2026/01/02/shop_20260102_030405.dump';
  await put(key, archive);
  const home = await tempHome();
  const env = { ...home, ...s3.env };
  const to = s3.storageUrl(BUCKET);
  const before = await runCli(['show', '--to', to, '--key', key, '--json'], env);
  expect(before.stderr).toBe('');
  expect(JSON.parse(before.stdout)).toMatchObject({ indexed: false, format: 'custom' });

  const built = await runCli(['index', '--to', to, '--key', key], env);
  expect(built.stderr).toBe('');
  expect(built.stdout).toMatch(/^Indexed .*: \d+ tables, \d+ data blocks/);
  expect(await stored(key)).toEqual(archive);
  const again = await runCli(['index', '--to', to, '--key', key], env);
  expect(again.stdout).toContain('already has a valid index');

  const shown = await runCli(['show', '--to', to, '--key', key], env);
  expect(shown.stdout).toMatch(/sales\.orders +6000/);
  const peek = await runCli(['peek', '--to', to, '--key', key, '--table', 'public.random_a', '--limit', '5', '--format', 'json'], env);
  expect(peek.stderr).toBe('');
  const rows = (JSON.parse(peek.stdout) as { rows: Record<string, string | null>[] }).rows;
  expect(rows.map((r) => Object.values(r))).toEqual((await textRows(pgc, 'shop', 'public.random_a')).slice(0, 5));
  const csv = await runCli(['peek', '--to', to, '--key', key, '--table', 'sales.customers', '--limit', '2', '--format', 'csv'], env);
  expect(csv.stdout.split('\n')[0]).toBe('id,name,email,created_at');

  const bad = await runCli(['peek', '--to', to, '--key', key, '--table', 'nope.nothing'], env);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/^lifeboat: Backup .* has no table "nope\.nothing"\. Check --table \(schema\.name/);
});

it('counts and fingerprints a plain SQL backup from its COPY blocks, equal to the custom archive’s', async () => {
  const env = { ...process.env, ...s3.env };
  const to = s3.storageUrl(BUCKET, 'plain');
  const plain = await runBackup({ db: pgc.url('shop'), to, env, format: 'plain' });
  const custom = await runBackup({ db: pgc.url('shop'), to, env, now: () => new Date(Date.UTC(2024, 0, 1)) });
  expect(plain.manifest.rowCounts).toBe('exact');
  expect(plain.manifest.tables.length).toBeGreaterThan(5);
  expect(plain.manifest.tables).toEqual(custom.manifest.tables);
  // Plain backups are indexed too now (docs/index-format.md, version 2; test/integration/plain-index.test.ts).
  expect(plain.manifest.index).toBeDefined();
  for (const t of plain.manifest.tables) {
    const [row] = await pgc.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${t.schema.replaceAll('"', '""')}"."${t.name.replaceAll('"', '""')}"`, [], 'shop');
    expect(t.rows, `${t.schema}.${t.name}`).toBe(Number(row?.n));
  }
});
