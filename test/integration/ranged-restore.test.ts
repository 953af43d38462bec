// Selective restore and extract of an indexed backup read only the header, the table of contents
// and the chosen tables' data blocks (ranged reads into a sparse copy that the real pg_restore 15
// restores from), against real PostgreSQL 15 and Ceph RGW, plain and encrypted. They give exactly
// what the full download gives; the bytes read are counted by a proxy in front of RGW; a missing,
// replaced or wrong index falls back to the full download with correct data; the local copy is
// removed after success, failure and cancel.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../../bench/support/counting-proxy.js';
import { indexBackup, peekTable } from '../../electron/engine/archive/browse.js';
import { parseIndexText } from '../../electron/engine/archive/index-file.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runExtract } from '../../electron/engine/extract/run-extract.js';
import { createKey } from '../../electron/engine/profiles/key-store.js';
import { runRestore } from '../../electron/engine/restore/run-restore.js';
import { scratchDir } from '../../electron/engine/restore/scratch-file.js';
import { runCli } from '../support/cli.js';
import { seedRealisticDatabase } from '../support/fixtures.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN } from '../support/rich-database.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const execFileAsync = promisify(execFile);
const BUCKET = 'ranged';
const ODD = '"Odd Schema"."Table With ""Quotes"" and spaces"';
let pgc: PgCluster;
let s3: S3Server;
let proxy: CountingProxy;
let machine: TestEnv;
let env: NodeJS.ProcessEnv;
let to: string;
let n = 0;

beforeAll(async () => {
  [pgc, s3, machine] = await Promise.all([startCluster({ major: 15 }), startS3Server(), freshMachine()]);
  proxy = await startCountingProxy(s3.endpoint);
  await s3.createBucket(BUCKET);
  await pgc.createDatabase('shop');
  await seedRealisticDatabase(pgc, 'shop', { rows: 3000 });
  // The bulk of the archive: a table none of the selective restores below asks for.
  await pgc.query(`CREATE TABLE public.events (id int PRIMARY KEY, payload text); INSERT INTO public.events SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 200000) g;
    CREATE TABLE public.notes (id int PRIMARY KEY, body text); INSERT INTO public.notes SELECT g, 'note ' || g || repeat(' x', g % 50) FROM generate_series(1, 2000) g;
    CREATE TABLE public.with_identity (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text); INSERT INTO public.with_identity (v) VALUES ('a'), ('b'), ('c')`, [], 'shop');
  env = { ...process.env, ...s3.env, ...machine };
  to = s3.storageUrl(BUCKET).replace(encodeURIComponent(s3.endpoint), encodeURIComponent(proxy.endpoint));
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all([pgc?.stop(), s3?.stop()]);
});

/** Every row of a table as PostgreSQL's text form, sorted: the content, whatever the physical order. */
async function contents(db: string, table: string): Promise<string[]> {
  return (await pgc.query<{ r: string }>(`SELECT t::text AS r FROM ${table} t ORDER BY 1`, [], db)).map((r) => r.r);
}

/** The relations, types and functions a database holds (what a restore created). */
async function objects(db: string): Promise<string[]> {
  return (
    await pgc.query<{ o: string }>(
      `SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       UNION ALL SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       ORDER BY 1`,
      [],
      db,
    )
  ).map((r) => r.o);
}

async function scratchLeft(): Promise<string[]> {
  return (await readdir(scratchDir(env)).catch(() => [] as string[])).filter((f) => f.startsWith('lifeboat-'));
}

const get = async (key: string): Promise<Buffer> => {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
};
const put = (Key: string, Body: string | Buffer) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));

/** A selective restore into a new database (by schema too: a serial key's sequence lives outside its table's entries). */
function selective(key: string, tables: string[], schemas: string[] = []) {
  const db = `sel_${++n}`;
  return { db, run: () => runRestore({ key, to, target: pgc.url(db), mode: 'create', tables, schemas, env }) };
}

describe.each([
  ['not encrypted', false],
  ['encrypted', true],
])('an indexed backup, %s', (_name, encrypted) => {
  let key = '';
  let size = 0;

  beforeAll(async () => {
    const master = encrypted ? await createKey(machine, 'ranged test') : null;
    // A new key each second: the second backup must not share the first one's.
    await new Promise((r) => setTimeout(r, encrypted ? 1100 : 0));
    const r = await runBackup({ db: pgc.url('shop'), to: s3.storageUrl(BUCKET), env, ...(master ? { encryption: master } : {}) });
    key = r.key;
    size = r.sizeBytes;
  }, 120_000);

  it('restores the chosen tables from ranged reads of a small part of the object, exactly as the full download does', async () => {
    const tables = ['public.notes', ODD];
    const schemas = ['sales'];
    const ranged = selective(key, tables, schemas);
    proxy.reset();
    const viaIndex = await ranged.run();
    const counted = proxy.bytes();
    expect(viaIndex.read).toMatchObject({ via: 'index', storedBytes: size });
    expect(viaIndex.read.note).toBeUndefined();
    // What the proxy saw is what the restore says it read (plus the manifest and index sidecars).
    expect(viaIndex.read.bytes).toBeLessThanOrEqual(counted);
    expect(counted).toBeLessThan(size * 0.15);

    // The same restore with the index gone: the whole object, as before the index existed.
    const indexText = await get(`${key}.index.json`);
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${key}.index.json` }));
    const whole = selective(key, tables, schemas);
    let viaStream;
    try {
      viaStream = await whole.run();
    } finally {
      await put(`${key}.index.json`, indexText);
    }
    expect(viaStream.read).toEqual({ via: 'stream', bytes: size, storedBytes: size });

    expect(await objects(ranged.db)).toEqual(await objects(whole.db));
    for (const t of ['sales.customers', 'sales.orders', 'public.notes', ODD]) {
      const expected = await contents('shop', t);
      expect(expected.length).toBeGreaterThan(0);
      expect(await contents(ranged.db, t)).toEqual(expected);
      expect(await contents(whole.db, t)).toEqual(expected);
    }
    // Tables not asked for are not there (like pg_restore --table).
    expect(await objects(ranged.db)).not.toContain('public.events:r');
    expect(await scratchLeft()).toEqual([]);
  });

  it('a table restored alone brings its own sequences (serial and identity): the keys go on where they were', async () => {
    const viaIndex = selective(key, ['sales.customers', 'public.with_identity']);
    expect((await viaIndex.run()).read.via).toBe('index');
    const stream = selective(key, ['sales.customers', 'public.with_identity']);
    const indexText = await get(`${key}.index.json`);
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${key}.index.json` }));
    try {
      expect((await stream.run()).read.via).toBe('stream');
    } finally {
      await put(`${key}.index.json`, indexText);
    }
    for (const db of [viaIndex.db, stream.db]) {
      expect(await contents(db, 'sales.customers')).toEqual(await contents('shop', 'sales.customers'));
      // The next key is the one the source would give, not 1 (nor an error for a missing sequence).
      const [src] = await pgc.query<{ m: number }>('SELECT max(id)::int AS m FROM sales.customers', [], 'shop');
      const [next] = await pgc.query<{ n: number }>(`INSERT INTO sales.customers (name, email) VALUES ('new', 'new@example.com') RETURNING id::int AS n`, [], db);
      expect(next!.n).toBeGreaterThan(src!.m);
      const [ident] = await pgc.query<{ n: number }>(`INSERT INTO public.with_identity (v) VALUES ('x') RETURNING id::int AS n`, [], db);
      expect(ident!.n).toBe(4);
      // Other tables' sequences stay out.
      expect((await objects(db)).filter((o) => o.endsWith(':S'))).toEqual(['public.with_identity_id_seq:S', 'sales.customers_id_seq:S']);
    }
  });

  it('peeks at the first rows of the largest table reading only the start of its block, not the whole block', async () => {
    const parsed = parseIndexText((await get(`${key}.index.json`)).toString('utf8'), key);
    if (parsed.status !== 'ok') throw new Error(parsed.status);
    const entry = parsed.index.entries.find((e) => e.desc === 'TABLE DATA' && e.tag === 'events');
    const block = parsed.index.blocks.find((b) => b.dumpId === entry?.dumpId);
    expect(block!.stored.end - block!.stored.offset).toBeGreaterThan(2 * 1024 * 1024);
    proxy.reset();
    const peek = await peekTable({ to, key, table: 'public.events', limit: 5, env });
    expect(peek.via).toBe('index');
    expect(peek.rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5']);
    // The manifest, the index and the first window of the block (256 KiB, whole chunks when encrypted).
    expect(proxy.bytes()).toBeLessThan(1024 * 1024);
  });

  it('extracts rows through the index: the same rows as PostgreSQL has, a small part of the object read', async () => {
    const where = 'id % 97 = 0';
    proxy.reset();
    const r = await runExtract({ key, to, server: pgc.url(), table: 'sales.orders', where, env });
    expect(r.read.via).toBe('index');
    expect(proxy.bytes()).toBeLessThan(size * 0.3);
    const expected = await pgc.query<{ id: string; total: string; note: string }>(`SELECT id::text, total::text, note FROM sales.orders o WHERE ${where} ORDER BY o.id`, [], 'shop');
    const got = r.rows.map((row) => ({ id: row[0], total: row[2], note: row[3] }));
    expect(got.sort((a, b) => Number(a.id) - Number(b.id))).toEqual(expected);
    expect(await scratchLeft()).toEqual([]);
  });

  it('removes the local copy when the restore fails after the ranged reads, and when it is cancelled', async () => {
    await pgc.createDatabase(`taken_${encrypted ? 'e' : 'p'}`);
    await expect(runRestore({ key, to, target: pgc.url(`taken_${encrypted ? 'e' : 'p'}`), mode: 'create', tables: ['public.notes'], env })).rejects.toMatchObject({ code: 'TARGET_EXISTS' });
    expect(await scratchLeft()).toEqual([]);

    for (const phase of ['downloading', 'restoring']) {
      const ac = new AbortController();
      const db = `cancel_${++n}`;
      await expect(
        runRestore({ key, to, target: pgc.url(db), mode: 'create', tables: ['public.notes'], env, signal: ac.signal, onProgress: (p) => p.phase === phase && ac.abort() }),
      ).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await scratchLeft()).toEqual([]);
      expect((await pgc.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [db])).length).toBe(0);
    }
  });

  it('does not trust an index the manifest does not name: the whole object is read, the data is right', async () => {
    const text = (await get(`${key}.index.json`)).toString('utf8');
    await put(`${key}.index.json`, `${text.trimEnd()} \n`);
    try {
      const r = selective(key, [], ['sales']);
      const res = await r.run();
      expect(res.read).toMatchObject({ via: 'stream', bytes: size, note: expect.stringContaining('not the one its manifest names') });
      expect(await contents(r.db, 'sales.customers')).toEqual(await contents('shop', 'sales.customers'));
    } finally {
      await put(`${key}.index.json`, text);
    }
  });
});

describe('an archive uploaded by hand and indexed by `lifeboat index`', () => {
  const key = 'database_backups/2026/02/03/shop_20260203_040506.dump';

  beforeAll(async () => {
    const { stdout } = await execFileAsync(`${PG15_BIN}/pg_dump`, ['--format=custom', '--dbname', pgc.url('shop')], { encoding: 'buffer', maxBuffer: 1 << 30 });
    await put(key, stdout);
    await indexBackup({ to: s3.storageUrl(BUCKET), key, env });
  });

  it('catches a block that is not at its offset (the dump id there is another) and restores from the full download', async () => {
    const text = (await get(`${key}.index.json`)).toString('utf8');
    const read = parseIndexText(text, key);
    if (read.status !== 'ok') throw new Error(JSON.stringify(read));
    const idx = read.index;
    const id = (tag: string) => idx.entries.find((e) => e.tag === tag && e.desc === 'TABLE DATA')?.dumpId;
    const a = idx.blocks.find((b) => b.dumpId === id('customers'));
    const b = idx.blocks.find((x) => x.dumpId === id('orders'));
    if (!a || !b) throw new Error('no blocks');
    // Each table's range now points at the other table's block.
    [a.archive, b.archive] = [b.archive, a.archive];
    [a.stored, b.stored] = [b.stored, a.stored];
    await put(`${key}.index.json`, JSON.stringify(idx));
    try {
      const r = selective(key, [], ['sales']);
      const res = await r.run();
      expect(res.read.via).toBe('stream');
      expect(res.read.note).toMatch(/archive index of .* is wrong \(the block at byte \d+ has dump id \d+, not \d+\)/);
      expect(await contents(r.db, 'sales.customers')).toEqual(await contents('shop', 'sales.customers'));
      expect(await scratchLeft()).toEqual([]);

      // An offset moved by a few bytes: the block does not start there.
      [a.archive, b.archive] = [b.archive, a.archive];
      [a.stored, b.stored] = [b.stored, a.stored];
      a.archive = { offset: a.archive.offset + 3, end: a.archive.end };
      a.stored = { offset: a.stored.offset + 3, end: a.stored.end };
      await put(`${key}.index.json`, JSON.stringify(idx));
      const moved = selective(key, [], ['sales']);
      const res2 = await moved.run();
      expect(res2.read.via).toBe('stream');
      expect(await contents(moved.db, 'sales.customers')).toEqual(await contents('shop', 'sales.customers'));
    } finally {
      await put(`${key}.index.json`, text);
    }
  });

  it('the CLI says how the backup was read, in words and in --json', async () => {
    const db = `cli_${++n}`;
    const r = await runCli(['restore', '--key', key, '--to', to, '--target', pgc.url(db), '--tables', 'public.notes', '--json'], env);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { read: { via: string; bytes: number; storedBytes: number } };
    expect(out.read.via).toBe('index');
    expect(out.read.bytes).toBeLessThan(out.read.storedBytes * 0.15);
    const outFile = `${machine.HOME}/rows.csv`;
    const text = await runCli(['extract', '--key', key, '--to', to, '--server', pgc.url(), '--table', 'sales.customers', '--where', 'id <= 3', '--format', 'csv', '--out', outFile], env);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/^Wrote 3 rows of sales\.customers from .*; read [\d.]+ [KM]iB of [\d.]+ MiB of the backup \(through its archive index\)\.$/m);
  });
});
