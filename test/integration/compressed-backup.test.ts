// Backups compressed by Lifeboat's workers (pg_dump -Z0, then the block re-writer or gzip members)
// through the real chain: PostgreSQL 15, Ceph RGW, the keychain, pg_restore and psql. Each format
// restores to exactly the source's contents; the stored archive is what stock tools read; a dump
// that dies mid-stream leaves nothing under a real key.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { defaultCompressWorkers } from '../../electron/engine/compress/compress-pool.js';
import { LifeboatError } from '../../electron/engine/errors.js';
import { createKey } from '../../electron/engine/profiles/key-store.js';
import { runRestore } from '../../electron/engine/restore/run-restore.js';
import { runCli } from '../support/cli.js';
import { freshMachine } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN, contentHashes, schemaDump, seedRichDatabase } from '../support/rich-database.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const execFileAsync = promisify(execFile);

let pg: PgCluster;
let s3: S3Server;
let env: NodeJS.ProcessEnv;
let to: string;
let work: string;
let sourceSchema: string;
let sourceHashes: Record<string, string>;

async function stored(key: string): Promise<Buffer> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: 'backups', Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

beforeAll(async () => {
  const [cluster, server, machine, dir] = await Promise.all([startCluster({ major: 15 }), startS3Server(), freshMachine(), mkdtemp(path.join(tmpdir(), 'lifeboat-compressed-'))]);
  [pg, s3, work] = [cluster, server, dir];
  env = { ...process.env, ...machine, ...s3.env };
  await s3.createBucket('backups');
  to = s3.storageUrl('backups');
  await pg.createDatabase('shop');
  await seedRichDatabase(pg, 'shop');
  // One table far larger than a worker's piece (512 KiB): ~6 MiB of text split across workers; an
  // empty table; an empty large object and a big one beside the seed's two.
  await pg.query(
    `CREATE TABLE public.big_text AS SELECT g AS id, md5(g::text) || ' ' || repeat(md5((g * 7)::text), 4) AS body FROM generate_series(1, 40000) g;
     CREATE TABLE public.nothing_here (id int);
     SELECT lo_from_bytea(0, ''::bytea);
     SELECT lo_from_bytea(0, convert_to(string_agg(md5(g::text), ''), 'UTF8')) FROM generate_series(1, 30000) g;`,
    [],
    'shop',
  );
  [sourceSchema, sourceHashes] = await Promise.all([schemaDump(pg, 'shop'), contentHashes(pg, 'shop')]);
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('backups compressed in worker threads', () => {
  const cases = [
    { name: 'custom', format: 'custom' as const, encrypted: false, at: 1 },
    { name: 'plain', format: 'plain' as const, encrypted: false, at: 2 },
    { name: 'encrypted custom', format: 'custom' as const, encrypted: true, at: 3 },
  ];
  for (const c of cases) {
    it(`round-trips the ${c.name} backup: restored contents equal the source's`, async () => {
      const encryption = c.encrypted ? await createKey(env, 'compress test') : null;
      const r = await runBackup({ db: pg.url('shop'), to, env, format: c.format, encryption, compressWorkers: 2, now: () => new Date(Date.UTC(2025, 0, c.at, 3, 0, 0)) });
      expect(r.manifest.compressedBy).toEqual({ tool: 'lifeboat', algorithm: 'gzip', level: 6, workers: 2 });
      expect(r.manifest.rowCounts).toBe('exact');
      expect(r.manifest.tables).toEqual(expect.arrayContaining([expect.objectContaining({ schema: 'public', name: 'big_text', rows: 40000 }), expect.objectContaining({ schema: 'public', name: 'nothing_here', rows: 0 })]));
      const bytes = await stored(r.key);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(r.manifest.sha256);
      expect(bytes.length).toBe(r.manifest.sizeBytes);
      if (c.format === 'custom') {
        // The index describes the stored (re-written) archive, so ranged reads find its blocks.
        expect((await s3.listKeys('backups')).includes(`${r.key}.index.json`)).toBe(true);
      }
      if (!c.encrypted && c.format === 'custom') {
        const file = path.join(work, 'stored.dump');
        await writeFile(file, bytes);
        expect((await execFileAsync(`${PG15_BIN}/pg_restore`, ['--list', file])).stdout).toMatch(/;\s+Compression: 6\n/);
      }
      if (c.format === 'plain') expect(gunzipSync(bytes).toString('utf8')).toContain('PostgreSQL database dump complete');
      const target = `copy_${c.name.replace(/ /g, '_')}`;
      await runRestore({ key: r.key, to, target: pg.url(target), env });
      expect(await contentHashes(pg, target)).toEqual(sourceHashes);
      expect(await schemaDump(pg, target)).toBe(sourceSchema);
    });
  }

  it('--compress-workers 1 and 0 (pg_dump compresses) both store an archive of about the same size; the default is recorded as used', async () => {
    const backup = async (args: string[], at: string): Promise<{ key: string; size: number }> => {
      const r = await runCli(['backup', '--db', pg.url('shop'), '--to', to, '--json', ...args], { ...env, LIFEBOAT_TEST_NOW: at });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as { key: string; size: number };
    };
    const manifest = async (key: string): Promise<{ compressedBy?: unknown }> => JSON.parse((await stored(`${key}.manifest.json`)).toString('utf8')) as { compressedBy?: unknown };
    const ours = await backup(['--compress-workers', '1'], '2025-02-01T03:00:00Z');
    const theirs = await backup(['--compress-workers', '0'], '2025-02-02T03:00:00Z');
    const byDefault = await backup([], '2025-02-03T03:00:00Z');
    expect((await manifest(ours.key)).compressedBy).toEqual({ tool: 'lifeboat', algorithm: 'gzip', level: 6, workers: 1 });
    expect((await manifest(theirs.key)).compressedBy).toEqual({ tool: 'pg_dump', algorithm: 'gzip', level: null, workers: 0 });
    const workers = defaultCompressWorkers();
    expect((await manifest(byDefault.key)).compressedBy).toEqual(workers > 0 ? { tool: 'lifeboat', algorithm: 'gzip', level: 6, workers } : { tool: 'pg_dump', algorithm: 'gzip', level: null, workers: 0 });
    // Same zlib level, one stream per block either way: within 5% of pg_dump's own size.
    expect(ours.size / theirs.size).toBeLessThan(1.05);
  });

  it('refuses a bad level or worker count with one sentence, and stores nothing', async () => {
    const before = await s3.listKeys('backups');
    for (const [flag, value, pattern] of [
      ['--compress-level', '10', /^lifeboat: The compression level "10" is not valid; use a whole number from 0 \(none\) to 9/],
      ['--compress-level', 'fast', /^lifeboat: The compression level "fast" is not valid/],
      ['--compress-workers', '-1', /^lifeboat: The number of compression workers "-1" is not valid; use a whole number from 1 to 64, or 0 to let pg_dump compress\./],
      ['--compress-workers', '1000', /^lifeboat: The number of compression workers "1000" is not valid/],
    ] as const) {
      const r = await runCli(['backup', '--db', pg.url('shop'), '--to', to, flag, value], env);
      expect(r.code, `${flag} ${value}`).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
    await expect(runBackup({ db: pg.url('shop'), to, env, format: 'plain', compressLevel: 10, compressWorkers: 0 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(await s3.listKeys('backups')).toEqual(before);
  });

  it('a pg_dump killed mid-stream leaves nothing under a real key, and says so', async () => {
    await pg.createDatabase('bigger');
    await pg.query(`CREATE EXTENSION pgcrypto; CREATE TABLE noise AS SELECT g, encode(gen_random_bytes(1024), 'hex') AS b FROM generate_series(1, 30000) g`, [], 'bigger');
    const before = await s3.listKeys('backups');
    const killer = setInterval(() => {
      void pg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pg_dump'`).catch(() => undefined);
    }, 20);
    try {
      const err = await runBackup({ db: pg.url('bigger'), to, env, compressWorkers: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LifeboatError);
      expect((err as LifeboatError).code).toBe('PG_DUMP_FAILED');
      expect((err as LifeboatError).message).toMatch(/; nothing was stored\./);
    } finally {
      clearInterval(killer);
    }
    expect(await s3.listKeys('backups')).toEqual(before);
    expect(await s3.listMultipartUploads('backups')).toEqual([]);
  });
});
