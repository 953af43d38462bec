// Backups that race, lose answers, stall or are killed, against the real CLI, PostgreSQL and S3:
// every backup that reports success has its own key, its object and a manifest whose SHA-256
// matches; no object is left at a real key without a manifest; what a killed backup leaves is
// listed and pruned after a day (by a clock the test sets, never the wall clock).
import { GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../shared/manifest.js';
import { runCli, tempHome, type CliResult } from '../support/cli.js';
import { startCliProcess } from '../support/cli-process.js';
import { startFaultyProxy } from '../support/faulty-proxy.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startStallingProxy } from '../support/stalling-proxy.js';

let pg: PgCluster;
let s3: S3Server;
let home: Awaited<ReturnType<typeof tempHome>>;
let bucketNo = 0;

const FROZEN = '2026-11-30T12:00:00.000Z';

beforeAll(async () => {
  [pg, s3, home] = await Promise.all([startCluster({ major: 15 }), startS3Server(), tempHome()]);
  await pg.createDatabase('shop');
  await pg.query(`CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 2000) g`, [], 'shop');
  // ~20 MB of incompressible rows: a multipart upload of three 8 MiB parts.
  await pg.createDatabase('bigger');
  await pg.query(`CREATE EXTENSION pgcrypto; CREATE TABLE noise AS SELECT g, gen_random_bytes(1024) AS b FROM generate_series(1, 20000) g`, [], 'bigger');
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

async function newBucket(): Promise<string> {
  const name = `race-${++bucketNo}-${process.pid}`;
  await s3.createBucket(name);
  return name;
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...home, ...s3.env, ...extra };
}

async function s3Bytes(bucket: string, key: string): Promise<Buffer> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/** Every reported key holds an object whose SHA-256 its own manifest states; no stray claims or objects. */
async function expectEachBackupIntact(read: (key: string) => Promise<Buffer>, allKeys: string[], reported: string[]): Promise<void> {
  expect(new Set(reported).size).toBe(reported.length);
  for (const key of reported) {
    const bytes = await read(key);
    const manifest = manifestSchema.parse(JSON.parse((await read(`${key}.manifest.json`)).toString('utf8')));
    expect(manifest.key).toBe(key);
    expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(manifest.sizeBytes).toBe(bytes.length);
    // Its own archive index, the one its manifest names.
    const index = await read(`${key}.index.json`);
    expect(manifest.index?.sha256).toBe(createHash('sha256').update(index).digest('hex'));
    // And its own globals, the ones its manifest names.
    const globals = await read(`${key}.globals.sql`);
    expect(manifest.globals?.sha256).toBe(createHash('sha256').update(globals).digest('hex'));
  }
  const objects = allKeys.filter((k) => !k.endsWith('.manifest.json') && !k.endsWith('.index.json') && !k.endsWith('.globals.sql'));
  expect(objects.filter((k) => k.endsWith('.claim'))).toEqual([]);
  expect(objects.sort()).toEqual([...reported].sort());
}

async function racingBackups(n: number, to: string, extra: NodeJS.ProcessEnv): Promise<CliResult[]> {
  return Promise.all(Array.from({ length: n }, () => runCli(['backup', '--db', pg.url('shop'), '--to', to, '--json'], env(extra))));
}

function keysOf(results: CliResult[]): string[] {
  return results.map((r) => (JSON.parse(r.stdout) as { key: string }).key);
}

describe('concurrent backups of one database to one storage', () => {
  it('20 processes in the same (frozen) second to S3: 20 successes, 20 keys, each with its own object and manifest', async () => {
    const bucket = await newBucket();
    const results = await racingBackups(20, s3.storageUrl(bucket), { LIFEBOAT_TEST_NOW: FROZEN });
    expect(results.map((r) => r.stderr).filter(Boolean)).toEqual([]);
    expect(results.every((r) => r.code === 0)).toBe(true);
    const keys = keysOf(results);
    expect(keys.every((k) => /shop_20261130_1200[0-5]\d\.dump$/.test(k))).toBe(true);
    await expectEachBackupIntact((k) => s3Bytes(bucket, k), await s3.listKeys(bucket), keys);
    // A hang guard, not a performance target: each of the 20 backups also runs pg_dumpall and
    // stores its globals, and on a shared 2-core machine the default 120 s was hit.
  }, 240_000);

  it('10 processes at once on the real clock to S3: the same guarantee', async () => {
    const bucket = await newBucket();
    const results = await racingBackups(10, s3.storageUrl(bucket), {});
    expect(results.every((r) => r.code === 0)).toBe(true);
    await expectEachBackupIntact((k) => s3Bytes(bucket, k), await s3.listKeys(bucket), keysOf(results));
  });

  it('10 processes in the same (frozen) second to a local folder: the same guarantee', async () => {
    const root = path.join(home.HOME, 'race-folder');
    const results = await racingBackups(10, `file://${root}`, { LIFEBOAT_TEST_NOW: FROZEN });
    expect(results.every((r) => r.code === 0)).toBe(true);
    const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => path.relative(root, path.join(d.parentPath, d.name)));
    await expectEachBackupIntact((k) => readFile(path.join(root, ...k.split('/'))), files, keysOf(results));
  });
});

describe('a lost answer, a stalled endpoint, a killed backup', () => {
  it('lost responses to CompleteMultipartUpload (every attempt) end with the complete backup and its manifest', async () => {
    const bucket = await newBucket();
    // Every answer is lost, so the SDK's retries cannot rescue it (RGW answers a repeated Complete with 200).
    const proxy = await startFaultyProxy(s3.endpoint, (req) => req.method === 'POST' && /[?&]uploadId=/.test(req.url ?? ''), 'drop-response');
    try {
      const r = await runCli(['backup', '--db', pg.url('bigger'), '--to', `s3://${bucket}?endpoint=${encodeURIComponent(proxy.endpoint)}`, '--json'], env());
      expect(proxy.failedRequests).toBeGreaterThan(1);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      await expectEachBackupIntact((k) => s3Bytes(bucket, k), await s3.listKeys(bucket), keysOf([r]));
    } finally {
      await proxy.close();
    }
  });

  it('a stalled endpoint fails the backup with one sentence within the stall timeout and its retries, leaving nothing', async () => {
    const bucket = await newBucket();
    const proxy = await startStallingProxy(s3.endpoint, (req) => req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? ''));
    try {
      const r = await runCli(['backup', '--db', pg.url('bigger'), '--to', `s3://${bucket}?endpoint=${encodeURIComponent(proxy.endpoint)}`], env({ LIFEBOAT_STORAGE_STALL_SECONDS: '0.5' }));
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/stopped answering while trying to store the backup.*LIFEBOAT_STORAGE_STALL_SECONDS/);
      expect(await s3.listKeys(bucket)).toEqual([]);
      expect(await s3.listMultipartUploads(bucket)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('kill -9 mid-upload: list names the incomplete upload; prune removes it only once it is a day old', async () => {
    const bucket = await newBucket();
    const proxy = await startStallingProxy(s3.endpoint, (req) => req.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(req.url ?? ''));
    const direct = s3.storageUrl(bucket);
    try {
      const p = startCliProcess(['backup', '--db', pg.url('bigger'), '--to', `s3://${bucket}?endpoint=${encodeURIComponent(proxy.endpoint)}`], env());
      await expect.poll(() => proxy.held(), { timeout: 60_000, interval: 100 }).toBeGreaterThan(0);
      p.child.kill('SIGKILL');
      await p.stop();
    } finally {
      await proxy.close();
    }
    const uploads = (await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
    expect(uploads).toHaveLength(1);
    const initiated = uploads[0]?.Initiated ?? new Date(0);

    const list = await runCli(['list', '--to', direct], env());
    expect(list.code).toBe(0);
    expect(list.stderr).toMatch(/^lifeboat: 1 incomplete upload from an interrupted backup \(or still running\), started \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ; `lifeboat prune` removes them once they are older than a day\.$/m);
    const json = await runCli(['list', '--to', direct, '--json'], env());
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect(json.stderr).toMatch(/1 incomplete upload/);

    // Measured from the server's own start time: 23 hours later it stays, 25 hours later it goes.
    const at = (hours: number): string => new Date(initiated.getTime() + hours * 3_600_000).toISOString();
    const early = await runCli(['prune', '--to', direct, '--json'], env({ LIFEBOAT_TEST_NOW: at(23) }));
    expect(early.code).toBe(0);
    expect(JSON.parse(early.stdout)).toMatchObject({ incompleteUploads: { found: [] }, staleClaims: [] });
    expect(await s3.listMultipartUploads(bucket)).toHaveLength(1);

    const late = await runCli(['prune', '--to', direct, '--json'], env({ LIFEBOAT_TEST_NOW: at(25) }));
    expect(late.code).toBe(0);
    expect(JSON.parse(late.stdout)).toMatchObject({ incompleteUploads: { removed: 1 }, staleClaims: [expect.stringMatching(/bigger_\d{8}_\d{6}\.dump\.claim$/)] });
    expect(await s3.listMultipartUploads(bucket)).toEqual([]);
    expect(await s3.listKeys(bucket)).toEqual([]);
    const after = await runCli(['list', '--to', direct], env());
    expect(after.stderr).toBe('');
  });
});
