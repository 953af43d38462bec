// Plain SQL backups indexable like custom archives, against real PostgreSQL 15, pg_dump 15, psql,
// gunzip and Ceph RGW (bytes counted by a proxy in front of it): the stored object gunzips to
// pg_dump's own plain output byte for byte; its index agrees with PostgreSQL's COPY … TO STDOUT
// (rows and fingerprints) and peek with PostgreSQL's text form, row for row, over random tables;
// show, peek, diff and extract read only what they need; a wrong index is caught and the answer
// comes from the stream (never wrong data); `lifeboat index` rebuilds it, and refuses plain
// backups others gzipped, which stay streaming-only.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../../bench/support/counting-proxy.js';
import { peekTable, showBackup } from '../../electron/engine/archive/browse.js';
import { CopyRowStats } from '../../electron/engine/archive/copy-text.js';
import { parsePlainIndexText, type CopySegment, type PlainIndex } from '../../electron/engine/archive/plain-index.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { diffBackups, diffTable } from '../../electron/engine/diff/run-diff.js';
import { runExtract } from '../../electron/engine/extract/run-extract.js';
import { createKey } from '../../electron/engine/profiles/key-store.js';
import { scratchDir } from '../../electron/engine/restore/scratch-file.js';
import { manifestSchema } from '../../shared/manifest.js';
import { runCli } from '../support/cli.js';
import { seedRealisticDatabase } from '../support/fixtures.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { seedRandomTable, textRows } from '../support/random-table.js';
import { PG15_BIN } from '../support/rich-database.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const execFileAsync = promisify(execFile);
const BUCKET = 'plainidx';
const RANDOM = ['public.random_a', 'public.random_b', 'public.random_c'];
let pgc: PgCluster;
let s3: S3Server;
let proxy: CountingProxy;
let machine: TestEnv;
let env: NodeJS.ProcessEnv;
let to: string;
let work: string;

beforeAll(async () => {
  [pgc, s3, machine] = await Promise.all([startCluster({ major: 15 }), startS3Server(), freshMachine()]);
  proxy = await startCountingProxy(s3.endpoint);
  await s3.createBucket(BUCKET);
  await pgc.createDatabase('shop');
  await seedRealisticDatabase(pgc, 'shop', { rows: 2000 });
  await seedRandomTable(pgc, 'shop', 'public.random_a', 21, 300);
  await seedRandomTable(pgc, 'shop', 'public.random_b', 22, 0);
  await seedRandomTable(pgc, 'shop', 'public.random_c', 23, 150);
  // The bulk of the backup: a table none of the extracts below asks for.
  await pgc.query(
    `CREATE TABLE public.events (id int PRIMARY KEY, payload text); INSERT INTO public.events SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 150000) g;
     CREATE VIEW public.big_orders AS SELECT * FROM sales.orders WHERE total > 500;`,
    [],
    'shop',
  );
  env = { ...process.env, ...s3.env, ...machine };
  to = s3.storageUrl(BUCKET).replace(encodeURIComponent(s3.endpoint), encodeURIComponent(proxy.endpoint));
  work = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-plainidx-'));
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all([pgc?.stop(), s3?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
});

const get = async (key: string): Promise<Buffer> => {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
};
const put = (Key: string, Body: string | Buffer) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
const quoted = (table: string): string => table.split('.').map((p) => `"${p.replaceAll('"', '""')}"`).join('.');

/** pg_dump's own plain output, with its random \restrict key named the same as in `like`. */
async function pgDumpPlain(like: string): Promise<string> {
  const { stdout } = await execFileAsync(`${PG15_BIN}/pg_dump`, ['--format=plain', '--no-password', '--dbname', pgc.url('shop')], { maxBuffer: 1 << 30 });
  const key = /^\\restrict (\S+)$/m.exec(like)?.[1] ?? '';
  return stdout.replace(/^\\(un)?restrict \S+$/gm, (_l, un: string | undefined) => `\\${un ?? ''}restrict ${key}`);
}

/** Rows and fingerprint of PostgreSQL's own COPY … TO STDOUT of a table, through psql. */
async function copyToStdout(table: string): Promise<{ rows: number; fingerprint: string }> {
  const { stdout } = await execFileAsync(`${PG15_BIN}/psql`, ['-X', '-q', '--no-password', '-d', pgc.url('shop'), '-c', `COPY ${quoted(table)} TO STDOUT`], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const stats = new CopyRowStats();
  stats.push(stdout);
  return { rows: stats.rows, fingerprint: stats.fingerprint() };
}

async function scratchLeft(): Promise<string[]> {
  return (await readdir(scratchDir(env)).catch(() => [] as string[])).filter((f) => f.startsWith('lifeboat-'));
}

async function tempDatabases(): Promise<string[]> {
  return (await pgc.query<{ d: string }>(`SELECT datname AS d FROM pg_database WHERE datname LIKE 'lifeboat_%'`)).map((r) => r.d);
}

async function indexOf(key: string): Promise<PlainIndex> {
  const read = parsePlainIndexText((await get(`${key}.index.json`)).toString('utf8'), key);
  if (read.status !== 'ok') throw new Error(JSON.stringify(read));
  return read.index;
}

describe.each([
  ['not encrypted, gzipped inline (0 workers)', false, 0],
  ['encrypted, gzipped by 2 workers', true, 2],
])('a plain backup, %s', (_name, encrypted, workers) => {
  let key = '';
  let size = 0;

  beforeAll(async () => {
    const master = encrypted ? await createKey(machine, 'plain index test') : null;
    const r = await runBackup({ db: pgc.url('shop'), to: s3.storageUrl(BUCKET), env, format: 'plain', compressWorkers: workers, now: () => new Date(Date.UTC(2026, 0, encrypted ? 2 : 1, 3)), ...(master ? { encryption: master } : {}) });
    key = r.key;
    size = r.sizeBytes;
  }, 120_000);

  it('stores one standard .sql.gz in members cut at COPY blocks, with its index beside it', async () => {
    const object = await get(key);
    const manifest = manifestSchema.parse(JSON.parse((await get(`${key}.manifest.json`)).toString('utf8')));
    expect(createHash('sha256').update(object).digest('hex')).toBe(manifest.sha256);
    expect(manifest.compressedBy).toEqual({ tool: 'lifeboat', algorithm: 'gzip', level: 6, workers });
    const indexBytes = await get(`${key}.index.json`);
    expect(manifest.index).toEqual({ sizeBytes: indexBytes.length, sha256: createHash('sha256').update(indexBytes).digest('hex') });
    const index = await indexOf(key);
    expect(index).toMatchObject({ formatVersion: 2, kind: 'plain-sql', storedBytes: object.length });
    expect(index.encryption !== null).toBe(encrypted);
    if (!encrypted) {
      // gunzip of the stored object — Node's and the real gunzip — is pg_dump's plain output, byte for byte.
      const text = gunzipSync(object).toString('utf8');
      expect(text).toBe(await pgDumpPlain(text));
      const file = path.join(work, 'stored.sql.gz');
      await writeFile(file, object);
      const { stdout } = await execFileAsync('gunzip', ['-c', file], { maxBuffer: 1 << 30 });
      expect(stdout).toBe(text);
    }
  });

  it('index and manifest agree with PostgreSQL\'s own COPY … TO STDOUT, table by table', async () => {
    const index = await indexOf(key);
    const copies = index.segments.filter((s): s is CopySegment => s.kind === 'copy');
    expect(copies.map((s) => `${s.schema}.${s.name}`).sort()).toEqual(
      ['Odd Schema.Table With "Quotes" and spaces', 'public.blobs', 'public.events', ...RANDOM, 'sales.customers', 'sales.orders'].sort(),
    );
    const manifest = manifestSchema.parse(JSON.parse((await get(`${key}.manifest.json`)).toString('utf8')));
    for (const s of copies) {
      const copy = await copyToStdout(`${s.schema}.${s.name}`);
      expect({ rows: s.rows, fingerprint: s.fingerprint }, `${s.schema}.${s.name}`).toEqual(copy);
      expect(manifest.tables.find((t) => t.schema === s.schema && t.name === s.name)).toMatchObject(copy);
    }
    expect(manifest.rowCounts).toBe('exact');
  });

  it('shows tables, rows, sizes and other objects from the index alone', async () => {
    proxy.reset();
    const c = await showBackup({ to, key, env });
    expect(proxy.bytes()).toBeLessThan(size / 10);
    expect(c).toMatchObject({ key, format: 'plain', indexed: true });
    expect(c.schemas).toEqual(expect.arrayContaining(['public', 'sales', 'Odd Schema']));
    expect(c.tables.find((t) => t.name === 'orders')).toMatchObject({ schema: 'sales', rows: 4000 });
    expect(c.tables.find((t) => t.name === 'random_b')).toMatchObject({ rows: 0 });
    expect(c.tables.every((t) => t.storedBytes !== null && t.storedBytes > 0)).toBe(true);
    expect(c.objects).toEqual(expect.arrayContaining([{ kind: 'VIEW', schema: 'public', name: 'big_orders' }, { kind: 'FK CONSTRAINT', schema: 'sales', name: 'orders orders_customer_id_fkey' }]));
  });

  it.each([...RANDOM, 'Odd Schema.Table With "Quotes" and spaces', 'sales.customers'])('peeks %s through the index, row for row as PostgreSQL prints it', async (table) => {
    const expected = await textRows(pgc, 'shop', quoted(table));
    const p = await peekTable({ to, key, env, table, limit: 10_000 });
    expect(p.via).toBe('index');
    expect(p.note).toBeUndefined();
    expect(p.rows).toEqual(expected);
    const few = await peekTable({ to, key, env, table, limit: 3 });
    expect(few.rows).toEqual(expected.slice(0, 3));
    expect(few.truncated).toBe(expected.length > 3);
  });

  it('peeks the first rows of the largest table reading a small window of it', async () => {
    proxy.reset();
    const p = await peekTable({ to, key, env, table: 'public.events', limit: 5 });
    expect(p.via).toBe('index');
    expect(p.rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5']);
    expect(proxy.bytes()).toBeLessThan(1024 * 1024);
  });

  it('extracts rows through the index, as the whole restore does, reading a small part of the object and leaving nothing behind', async () => {
    const where = 'id % 97 = 0';
    proxy.reset();
    const r = await runExtract({ key, to, server: pgc.url(), table: 'sales.orders', where, env });
    const counted = proxy.bytes();
    expect(r.read.via).toBe('index');
    expect(r.read.note).toBeUndefined();
    expect(counted).toBeLessThan(size * 0.3);
    const expected = await pgc.query<{ id: string; customer_id: string; total: string; note: string }>(`SELECT id::text, customer_id::text, total::text, note FROM sales.orders o WHERE ${where} ORDER BY o.id`, [], 'shop');
    const rowsOf = (x: typeof r) => x.rows.map((row) => ({ id: row[0], customer_id: row[1], total: row[2], note: row[3] })).sort((a, b) => Number(a.id) - Number(b.id));
    expect(rowsOf(r)).toEqual(expected);

    // Today's streaming path (the index gone: the whole backup restored) gives the same rows.
    const indexText = await get(`${key}.index.json`);
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${key}.index.json` }));
    try {
      const whole = await runExtract({ key, to, server: pgc.url(), table: 'sales.orders', where, env });
      expect(whole.read).toMatchObject({ via: 'stream', bytes: size });
      expect(rowsOf(whole)).toEqual(rowsOf(r));
    } finally {
      await put(`${key}.index.json`, indexText);
    }
    expect(await scratchLeft()).toEqual([]);
    expect(await tempDatabases()).toEqual([]);
  });

  it('an extract cancelled while downloading or restoring leaves no local copy and no temporary database', async () => {
    for (const phase of ['downloading', 'restoring']) {
      const ac = new AbortController();
      await expect(runExtract({ key, to, server: pgc.url(), table: 'sales.orders', env, signal: ac.signal, onProgress: (p) => p.phase === phase && ac.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await scratchLeft()).toEqual([]);
      expect(await tempDatabases()).toEqual([]);
    }
  });

  it('a table the backup does not have: one sentence, nothing created', async () => {
    await expect(runExtract({ key, to, server: pgc.url(), table: 'public.nope', env })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'There is no table public.nope in the backup.' });
    expect(await scratchLeft()).toEqual([]);
    expect(await tempDatabases()).toEqual([]);
  });

  it('a wrong index (two tables at each other\'s ranges) is caught: peek and extract read the stream, with correct rows', async () => {
    const indexText = (await get(`${key}.index.json`)).toString('utf8');
    const manifestText = (await get(`${key}.manifest.json`)).toString('utf8');
    const index = await indexOf(key);
    const seg = (name: string) => index.segments.find((s): s is CopySegment => s.kind === 'copy' && s.name === name)!;
    const [a, c] = [seg('random_a'), seg('random_c')];
    // The ranges stay in order (the index still validates); each table is named at the other's.
    const who = (s: CopySegment) => ({ name: s.name, copyStmt: s.copyStmt, rows: s.rows, rawBytes: s.rawBytes, fingerprint: s.fingerprint });
    const [wa, wc] = [who(a), who(c)];
    Object.assign(a, wc);
    Object.assign(c, wa);
    await put(`${key}.index.json`, JSON.stringify(index));
    // A manifest naming no index, so that extract gets as far as reading through the wrong one.
    const { index: _named, ...manifest } = JSON.parse(manifestText) as { index?: unknown };
    await put(`${key}.manifest.json`, JSON.stringify(manifest));
    try {
      const p = await peekTable({ to, key, env, table: 'public.random_a', limit: 10_000 });
      expect(p.via).toBe('stream');
      expect(p.note).toMatch(/archive index .* is wrong/);
      expect(p.rows).toEqual(await textRows(pgc, 'shop', 'public.random_a'));
      const r = await runExtract({ key, to, server: pgc.url(), table: 'public.random_c', env });
      expect(r.read.via).toBe('stream');
      expect(r.read.note).toMatch(/archive index .* is wrong/);
      expect(r.rows).toEqual(await textRows(pgc, 'shop', 'public.random_c'));
      // An index whose ranges do not even follow one another is refused before any read.
      [a.archive, c.archive] = [c.archive, a.archive];
      await put(`${key}.index.json`, JSON.stringify(index));
      const damaged = await peekTable({ to, key, env, table: 'public.random_c', limit: 10_000 });
      expect(damaged).toMatchObject({ via: 'stream', note: expect.stringMatching(/archive index .* is wrong \(its index has segments that do not follow one another\)/) as unknown });
      expect(damaged.rows).toEqual(await textRows(pgc, 'shop', 'public.random_c'));
      const refused = await runExtract({ key, to, server: pgc.url(), table: 'public.random_a', env });
      expect(refused.read).toMatchObject({ via: 'stream', note: 'its index has segments that do not follow one another; the whole backup was downloaded instead' });
      expect(refused.rows).toEqual(await textRows(pgc, 'shop', 'public.random_a'));
    } finally {
      await put(`${key}.index.json`, indexText);
      await put(`${key}.manifest.json`, manifestText);
    }
    expect(await scratchLeft()).toEqual([]);
    expect(await tempDatabases()).toEqual([]);
  });

  it('`lifeboat index --force` rebuilds the same index from the object alone', async () => {
    const original = await indexOf(key);
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${key}.index.json` }));
    const built = await runCli(['index', '--to', s3.storageUrl(BUCKET), '--key', key], env);
    expect(built.stderr).toBe('');
    expect(built.stdout).toMatch(/^Indexed .*: 8 tables, \d+ data blocks or segments/);
    expect(await indexOf(key)).toEqual(original);
    const again = await runCli(['index', '--to', s3.storageUrl(BUCKET), '--key', key], env);
    expect(again.stdout).toContain('already has a valid index');
  });
});

it('a plain .sql.gz that pg_dump gzipped stays streaming-only: index says so and writes nothing; show and peek still work', async () => {
  const { stdout } = await execFileAsync(`${PG15_BIN}/pg_dump`, ['--format=plain', '--compress=6', '--no-password', '--dbname', pgc.url('shop')], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const key = 'database_backups/2026/02/03/shop_20260203_040506.sql.gz';
  await put(key, stdout);
  const where = s3.storageUrl(BUCKET);
  const r = await runCli(['index', '--to', where, '--key', key], env);
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^lifeboat: Backup .* is plain SQL whose gzip members are not cut at its COPY blocks .* stays streaming-only/);
  expect((await s3.listKeys(BUCKET)).includes(`${key}.index.json`)).toBe(false);
  const p = await peekTable({ to: where, key, env, table: 'public.random_a', limit: 7 });
  expect(p.via).toBe('stream');
  expect(p.rows).toEqual((await textRows(pgc, 'shop', 'public.random_a')).slice(0, 7));
  expect(await showBackup({ to: where, key, env })).toMatchObject({ format: 'plain', indexed: false });
});

it('diffs two plain backups by their indexes, by table, definition and row', async () => {
  const at = (day: number) => () => new Date(Date.UTC(2026, 2, day, 3));
  const a = await runBackup({ db: pgc.url('shop'), to: s3.storageUrl(BUCKET), env, format: 'plain', now: at(1) });
  await pgc.query(
    `UPDATE sales.orders SET total = 9.99 WHERE id = 7; DELETE FROM sales.orders WHERE id = 8; INSERT INTO sales.orders (id, customer_id, total, note) VALUES (100001, 5, 1.00, 'new');
     CREATE OR REPLACE VIEW public.big_orders AS SELECT * FROM sales.orders WHERE total > 600;`,
    [],
    'shop',
  );
  try {
    const b = await runBackup({ db: pgc.url('shop'), to: s3.storageUrl(BUCKET), env, format: 'plain', now: at(2) });
    proxy.reset();
    const d = await diffBackups({ to, before: a.key, after: { key: b.key }, env });
    expect(proxy.bytes()).toBeLessThan(a.sizeBytes / 10);
    const changed = d.tables.filter((t) => t.change !== 'unchanged').map((t) => `${t.change} ${t.schema}.${t.name}`);
    expect(changed).toEqual(['changed sales.orders']);
    expect(d.definitions.map((x) => `${x.change} ${x.kind} ${x.schema}.${x.name}`)).toEqual(['changed VIEW public.big_orders']);
    const rows = await diffTable({ to, before: a.key, after: { key: b.key }, table: 'sales.orders', env });
    expect(rows.keyColumns).toEqual(['id']);
    expect(rows.counts).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(rows.changes).toEqual(expect.arrayContaining([expect.objectContaining({ change: 'changed', key: ['7'], changedColumns: ['total'] })]));
    // Without their indexes (one pass over each backup's SQL instead), the same answers.
    for (const k of [a.key, b.key]) await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${k}.index.json` }));
    expect(await diffBackups({ to, before: a.key, after: { key: b.key }, env })).toEqual(d);
    expect(await diffTable({ to, before: a.key, after: { key: b.key }, table: 'sales.orders', env })).toEqual(rows);
  } finally {
    await pgc.query(
      `UPDATE sales.orders SET total = 7.99 WHERE id = 7; DELETE FROM sales.orders WHERE id = 100001; CREATE OR REPLACE VIEW public.big_orders AS SELECT * FROM sales.orders WHERE total > 500;`,
      [],
      'shop',
    );
  }
});
