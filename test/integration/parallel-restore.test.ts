// A full restore into a new database reads straight from storage (issue 14, point 3), against real
// PostgreSQL 15, pg_restore 15 and Ceph RGW: with --jobs 2 and an archive index, pre-data, two
// pg_restore workers fed their tables' blocks by ranged reads, then post-data; with one job, the
// object streamed into pg_restore as it downloads. Both give the source's contents (every table,
// materialized view, sequence and large object, an empty table), plain and encrypted. A damaged
// object (one byte of COPY text changed: pg_restore loads it happily) is caught by the SHA-256 check
// and the database is dropped; a cancel while a worker waits on storage, and storage failing
// mid-restore, leave no database, no pg_restore and no temp file; a wrong index falls back to the
// streaming path with the right data.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIndexText, serializeIndex, type ArchiveIndex } from '../../electron/engine/archive/index-file.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import type { LifeboatError } from '../../electron/engine/errors.js';
import { createKey } from '../../electron/engine/profiles/key-store.js';
import { runRestore } from '../../electron/engine/restore/run-restore.js';
import { scratchDir } from '../../electron/engine/restore/scratch-file.js';
import { TempRegistry } from '../../electron/engine/restore/temp-registry.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { pgToolsFor } from '../support/pg-tool-processes.js';
import { contentHashes, schemaDump, seedRichDatabase } from '../support/rich-database.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startStallingProxy } from '../support/stalling-proxy.js';

const BUCKET = 'prestore';
let pgc: PgCluster;
let s3: S3Server;
let machine: TestEnv;
let env: NodeJS.ProcessEnv;
let sourceHashes: Record<string, string>;
let sourceSchema: string;
let n = 0;

beforeAll(async () => {
  [pgc, s3, machine] = await Promise.all([startCluster({ major: 15 }), startS3Server(), freshMachine()]);
  await s3.createBucket(BUCKET);
  await pgc.createDatabase('src');
  await seedRichDatabase(pgc, 'src');
  // The bulk of the archive (the largest block by far), a second table with a foreign key into it,
  // and an empty table (its block is just the end marker).
  await pgc.query(
    `CREATE TABLE public.bulk (id int PRIMARY KEY, payload text);
     INSERT INTO public.bulk SELECT g, md5(g::text) || md5((g * 3)::text) FROM generate_series(1, 60000) g;
     CREATE TABLE public.refs (id serial PRIMARY KEY, bulk_id int REFERENCES public.bulk, note text);
     INSERT INTO public.refs (bulk_id, note) SELECT g * 7, 'ref ' || g FROM generate_series(1, 5000) g;
     CREATE INDEX refs_note ON public.refs (note);
     CREATE TABLE public.empty_one (id int PRIMARY KEY, v text);`,
    [],
    'src',
  );
  sourceHashes = await contentHashes(pgc, 'src');
  sourceSchema = await schemaDump(pgc, 'src');
  env = { ...process.env, ...s3.env, ...machine };
}, 180_000);

afterAll(async () => {
  await Promise.all([pgc?.stop(), s3?.stop()]);
});

const to = (): string => s3.storageUrl(BUCKET);
const get = async (key: string): Promise<Buffer> => {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
};
const put = (Key: string, Body: string | Buffer) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));

async function indexOf(key: string): Promise<ArchiveIndex> {
  const read = parseIndexText((await get(`${key}.index.json`)).toString('utf8'), key);
  if (read.status !== 'ok') throw new Error(JSON.stringify(read));
  return read.index;
}

/** Stores a changed index and names it in the manifest (as if the backup had written it so). */
async function replaceIndex(key: string, index: ArchiveIndex): Promise<void> {
  const { text, sizeBytes, sha256 } = serializeIndex(index);
  await put(`${key}.index.json`, text);
  const manifest = JSON.parse((await get(`${key}.manifest.json`)).toString('utf8')) as { index?: unknown };
  manifest.index = { sizeBytes, sha256 };
  await put(`${key}.manifest.json`, JSON.stringify(manifest));
}

const exists = async (db: string): Promise<boolean> => (await pgc.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).length > 0;

async function scratchLeft(): Promise<string[]> {
  return (await readdir(scratchDir(env)).catch(() => [] as string[])).filter((f) => f.startsWith('lifeboat-'));
}

/** Nothing of a failed or cancelled restore is left: no database, no record, no tool, no file. */
async function expectNothingLeft(db: string): Promise<void> {
  expect(await exists(db)).toBe(false);
  expect(await pgToolsFor(db)).toEqual([]);
  expect(await scratchLeft()).toEqual([]);
  expect((await new TempRegistry(env).list()).map((r) => r.name)).not.toContain(db);
  expect(await pgc.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [db])).toEqual([]);
}

describe.each([
  ['not encrypted', false],
  ['encrypted', true],
])('a full restore into a new database, %s', (_name, encrypted) => {
  let key = '';
  let size = 0;

  beforeAll(async () => {
    const master = encrypted ? await createKey(machine, 'prestore test') : null;
    await new Promise((r) => setTimeout(r, 1100)); // one key per second
    const r = await runBackup({ db: pgc.url('src'), to: to(), env, ...(master ? { encryption: master } : {}) });
    key = r.key;
    size = r.sizeBytes;
  }, 120_000);

  it('--jobs 2 reads through the index with no local copy and gives the source exactly; progress runs to 100%', async () => {
    const db = `par_${++n}`;
    const percents: number[] = [];
    const r = await runRestore({ key, to: to(), target: pgc.url(db), jobs: 2, env, onProgress: (p) => p.phase === 'restoring' && typeof p.percent === 'number' && percents.push(p.percent) });
    expect(r.read.via).toBe('index');
    expect(r.read.note).toBeUndefined();
    // The header and TOC, every block, and the whole object once more for its SHA-256.
    expect(r.read.bytes).toBeGreaterThan(1.9 * size);
    expect(r.checkedSha256).toBe(true);
    expect(await contentHashes(pgc, db)).toEqual(sourceHashes);
    expect(await schemaDump(pgc, db)).toBe(sourceSchema);
    expect(percents.at(-1)).toBe(100);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(await scratchLeft()).toEqual([]);
    expect(await pgToolsFor(db)).toEqual([]);
  });

  it('one job streams the object into pg_restore as it downloads and gives the source exactly', async () => {
    const db = `one_${++n}`;
    const r = await runRestore({ key, to: to(), target: pgc.url(db), env });
    expect(r.read).toEqual({ via: 'stream', bytes: size, storedBytes: size });
    expect(await contentHashes(pgc, db)).toEqual(sourceHashes);
    expect(await schemaDump(pgc, db)).toBe(sourceSchema);
    expect(await scratchLeft()).toEqual([]);
  });

  it('--temp with --jobs 2 goes the same way and is recorded as ready', async () => {
    const r = await runRestore({ key, to: to(), target: pgc.url(), mode: 'temp', jobs: 2, env });
    expect(r.read.via).toBe('index');
    expect(await contentHashes(pgc, r.database)).toEqual(sourceHashes);
    expect((await new TempRegistry(env).list()).find((t) => t.name === r.database)?.state).toBe('ready');
  });
});

describe('an object changed after its backup (one byte of COPY text: pg_restore would load it)', () => {
  let key = '';

  beforeAll(async () => {
    await new Promise((r) => setTimeout(r, 1100));
    // Uncompressed: nothing but the SHA-256 can tell.
    key = (await runBackup({ db: pgc.url('src'), to: to(), env, compressLevel: 0 })).key;
    const index = await indexOf(key);
    const bulk = index.entries.find((e) => e.desc === 'TABLE DATA' && e.tag === 'bulk');
    const block = index.blocks.find((b) => b.dumpId === bulk?.dumpId);
    if (!block) throw new Error('no block for public.bulk');
    const bytes = await get(key);
    // A hex digit of an md5 in the middle of the block, changed into another one.
    let at = Math.floor((block.archive.offset + block.archive.end) / 2);
    while (!/[0-9a-e]/.test(String.fromCharCode(bytes[at] as number))) at++;
    bytes[at] = (bytes[at] as number) + 1;
    await put(key, bytes);
  }, 120_000);

  for (const jobs of [2, 1]) {
    it(`--jobs ${jobs}: the SHA-256 check fails the restore and the new database is dropped`, async () => {
      const db = `damaged_${jobs}`;
      const err = (await runRestore({ key, to: to(), target: pgc.url(db), jobs, env }).catch((e: unknown) => e)) as LifeboatError;
      expect(err.code).toBe('INTEGRITY_FAILED');
      expect(err.message).toMatch(/does not match the SHA-256 in its manifest/);
      await expectNothingLeft(db);
    });
  }
});

describe('faults mid-restore', () => {
  let key = '';
  let index: ArchiveIndex;

  beforeAll(async () => {
    await new Promise((r) => setTimeout(r, 1100));
    key = (await runBackup({ db: pgc.url('src'), to: to(), env })).key;
    index = await indexOf(key);
  }, 120_000);

  const bulkBlock = () => {
    const bulk = index.entries.find((e) => e.desc === 'TABLE DATA' && e.tag === 'bulk');
    const block = index.blocks.find((b) => b.dumpId === bulk?.dumpId);
    if (!block) throw new Error('no block for public.bulk');
    return block;
  };
  const viaProxy = (endpoint: string): string => to().replace(encodeURIComponent(s3.endpoint), encodeURIComponent(endpoint));

  it('cancelled while a worker waits for its block: every pg_restore killed, the database dropped, nothing left', async () => {
    const block = bulkBlock();
    // Holds the ranged read of the largest table's block, whatever else runs.
    const proxy = await startStallingProxy(s3.endpoint, (req) => req.method === 'GET' && (req.headers.range ?? '').startsWith(`bytes=${block.stored.offset}-`));
    const db = 'cancel_par';
    const ac = new AbortController();
    try {
      const running = runRestore({ key, to: viaProxy(proxy.endpoint), target: pgc.url(db), jobs: 2, env, signal: ac.signal }).catch((e: unknown) => e);
      for (let i = 0; proxy.held() === 0; i++) {
        if (i > 6000) throw new Error('the block was never asked for');
        await new Promise((r) => setTimeout(r, 10));
      }
      // The pre-data section is restored by now: the database exists and holds the tables.
      expect(await exists(db)).toBe(true);
      ac.abort();
      expect(((await running) as LifeboatError).code).toBe('CANCELLED');
      await expectNothingLeft(db);
    } finally {
      await proxy.close();
    }
  });

  it('storage failing mid-restore: the restore fails with the storage error, the database is dropped, nothing left', async () => {
    // Reads of the backup object itself fail after the header and TOC came (the sidecars still read).
    const cut = http.createServer((req, res) => {
      const range = req.headers.range ?? '';
      const isObject = req.method === 'GET' && new URL(req.url ?? '/', 'http://x').pathname.endsWith('.dump');
      if (isObject && !range.startsWith('bytes=0-')) {
        req.socket.destroy();
        return;
      }
      const up = http.request({ host: new URL(s3.endpoint).hostname, port: new URL(s3.endpoint).port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => cut.listen(0, '127.0.0.1', r));
    const db = 'storage_cut';
    try {
      const err = (await runRestore({ key, to: viaProxy(`http://127.0.0.1:${(cut.address() as AddressInfo).port}`), target: pgc.url(db), jobs: 2, env }).catch((e: unknown) => e)) as LifeboatError;
      expect(err.code).toMatch(/^STORAGE_/);
      await expectNothingLeft(db);
    } finally {
      cut.closeAllConnections();
      await new Promise((r) => cut.close(r));
    }
  });

  it('an index whose blocks are not where it says: the streaming path restores the right data, with a note', async () => {
    const original = await get(`${key}.index.json`);
    const originalManifest = await get(`${key}.manifest.json`);
    const wrong = structuredClone(index);
    const id = (tag: string) => wrong.entries.find((e) => e.tag === tag && e.desc === 'TABLE DATA')?.dumpId;
    const a = wrong.blocks.find((b) => b.dumpId === id('bulk'));
    const b = wrong.blocks.find((x) => x.dumpId === id('refs'));
    if (!a || !b) throw new Error('no blocks');
    [a.archive, b.archive] = [b.archive, a.archive];
    [a.stored, b.stored] = [b.stored, a.stored];
    await replaceIndex(key, wrong);
    try {
      const db = 'wrong_index';
      const r = await runRestore({ key, to: to(), target: pgc.url(db), jobs: 2, env });
      expect(r.read.via).toBe('stream');
      expect(r.read.note).toMatch(/archive index of .* is wrong \(the block at byte \d+ has dump id \d+, not \d+\)/);
      expect(await contentHashes(pgc, db)).toEqual(sourceHashes);
      expect(await scratchLeft()).toEqual([]);
    } finally {
      await put(`${key}.index.json`, original);
      await put(`${key}.manifest.json`, originalManifest);
    }
  });

  it('an index whose table of contents is not the archive\'s: refused before anything is created, the streaming path restores', async () => {
    const original = await get(`${key}.index.json`);
    const originalManifest = await get(`${key}.manifest.json`);
    const wrong = structuredClone(index);
    const entry = wrong.entries.find((e) => e.tag === 'bulk' && e.desc === 'TABLE');
    if (!entry) throw new Error('no entry');
    entry.tag = 'not_bulk';
    await replaceIndex(key, wrong);
    try {
      const db = 'wrong_toc';
      const r = await runRestore({ key, to: to(), target: pgc.url(db), jobs: 2, env });
      expect(r.read.via).toBe('stream');
      expect(r.read.note).toMatch(/its table of contents is not the one the index describes/);
      expect(await contentHashes(pgc, db)).toEqual(sourceHashes);
    } finally {
      await put(`${key}.index.json`, original);
      await put(`${key}.manifest.json`, originalManifest);
    }
  });
});
