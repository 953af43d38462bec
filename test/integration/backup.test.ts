import { GetObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../shared/manifest.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { LifeboatError } from '../../electron/engine/errors.js';
import { runCli, tempHome } from '../support/cli.js';
import { startFaultyProxy } from '../support/faulty-proxy.js';
import { ODD_DB_NAME, seedRealisticDatabase } from '../support/fixtures.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const execFileAsync = promisify(execFile);
const PG_RESTORE = '/usr/lib/postgresql/15/bin/pg_restore';

let pg: PgCluster;
let s3: S3Server;
let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  [pg, s3, home] = await Promise.all([startCluster({ major: 15 }), startS3Server(), tempHome()]);
  await pg.createDatabase(ODD_DB_NAME);
  await seedRealisticDatabase(pg, ODD_DB_NAME);
  await s3.createBucket('backups');
  // ~30 MB of incompressible data: more than three 8 MiB parts.
  await pg.createDatabase('bigger');
  await pg.query(`CREATE EXTENSION pgcrypto; CREATE TABLE noise AS SELECT g, gen_random_bytes(1024) AS b FROM generate_series(1, 30000) g`, [], 'bigger');
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('backup to a local folder', () => {
  it('stores a complete custom-format archive with a matching manifest', async () => {
    const env = { ...process.env, ...home };
    const r = await runBackup({ db: pg.url(ODD_DB_NAME), env, label: 'before migration 42', pin: true });
    expect(r.key).toMatch(/^database_backups\/\d{4}\/\d{2}\/\d{2}\/Ünïcode-quoted-db-s-name_\d{8}_\d{6}\.dump$/);
    const file = path.join(home.LIFEBOAT_HOME, 'backups', ...r.key.split('/'));
    const bytes = await readFile(file);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(r.sha256);
    const manifest = manifestSchema.parse(JSON.parse(await readFile(`${file}.manifest.json`, 'utf8')));
    expect(manifest).toMatchObject({ database: ODD_DB_NAME, sizeBytes: bytes.length, sha256: r.sha256, label: 'before migration 42', pinned: true, rowCounts: 'exact', format: 'custom' });
    expect(manifest.server.version).toMatch(/^15\./);
    expect(manifest.pgDump.major).toBe(15);
    // Counted from the dump's own COPY stream (no count(*) pass), with each table's fingerprint.
    const fingerprint = expect.stringMatching(/^[0-9a-f]{32}$/) as unknown;
    expect(manifest.tables).toEqual(expect.arrayContaining([
      { schema: 'sales', name: 'customers', rows: 20000, fingerprint },
      { schema: 'sales', name: 'orders', rows: 40000, fingerprint },
      { schema: 'Odd Schema', name: 'Table With "Quotes" and spaces', rows: 3, fingerprint },
    ]));
    // The archive index sits beside it, written before the manifest, which names its size and hash.
    const indexText = await readFile(`${file}.index.json`);
    expect(manifest.index).toEqual({ sizeBytes: indexText.length, sha256: createHash('sha256').update(indexText).digest('hex') });
    // The real pg_restore reads the whole table of contents, large objects included.
    const { stdout } = await execFileAsync(PG_RESTORE, ['--list', file]);
    expect(stdout).toContain('TABLE DATA sales orders');
    expect(stdout).toContain('TABLE DATA Odd Schema Table With "Quotes" and spaces');
    expect(stdout).toMatch(/BLOBS|LARGE OBJECTS|BLOB/);
    expect(bytes.length).toBeGreaterThan(1_000_000);
  });

  it('stores plain SQL gzipped, in the seed format', async () => {
    const env = { ...process.env, ...home };
    const r = await runBackup({ db: pg.url(ODD_DB_NAME), env, format: 'plain' });
    expect(r.key).toMatch(/\.sql\.gz$/);
    const sql = gunzipSync(await readFile(path.join(home.LIFEBOAT_HOME, 'backups', ...r.key.split('/')))).toString('utf8');
    expect(sql).toContain('CREATE TABLE sales.orders');
    expect(sql).toContain('PostgreSQL database dump complete');
  });

  it('a cancelled or failed backup leaves no file, not even a temp file', async () => {
    const dir = path.join(home.HOME, 'cancel-folder');
    const env = { ...process.env, ...home };
    const ac = new AbortController();
    const cancelled = (await runBackup({
      db: pg.url('bigger'),
      to: `file://${dir}`,
      env,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.bytes > 2 * 1024 * 1024) ac.abort();
      },
    }).catch((e: unknown) => e)) as LifeboatError;
    expect(cancelled.code).toBe('CANCELLED');
    const killer = setInterval(() => {
      void pg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pg_dump'`).catch(() => undefined);
    }, 20);
    try {
      const failed = (await runBackup({ db: pg.url('bigger'), to: `file://${dir}`, env }).catch((e: unknown) => e)) as LifeboatError;
      expect(failed.code).toBe('PG_DUMP_FAILED');
    } finally {
      clearInterval(killer);
    }
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(files.map((f) => f.name)).toEqual([]);
  });

  it('never overwrites a backup taken in the same second: the next one takes the next free second', async () => {
    const env = { ...process.env, ...home };
    const now = () => new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
    const first = await runBackup({ db: pg.url(ODD_DB_NAME), env, now });
    const second = await runBackup({ db: pg.url(ODD_DB_NAME), env, now });
    expect(first.key).toMatch(/_20200102_030405\.dump$/);
    expect(second.key).toMatch(/_20200102_030406\.dump$/);
    const bytes = await readFile(path.join(home.LIFEBOAT_HOME, 'backups', ...first.key.split('/')));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(first.sha256);
  });

  it('two backups started in the same second get two keys', async () => {
    const env = { ...process.env, ...home };
    const [a, b] = await Promise.all([runBackup({ db: pg.url(ODD_DB_NAME), env }), runBackup({ db: pg.url(ODD_DB_NAME), env })]);
    expect(a.key).not.toBe(b.key);
    for (const r of [a, b]) {
      const bytes = await readFile(path.join(home.LIFEBOAT_HOME, 'backups', ...r.key.split('/')));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(r.sha256);
    }
  });
});

describe('backup to S3', () => {
  it('streams to the bucket with a manifest whose SHA-256 matches the stored object', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    const r = await runBackup({ db: pg.url(ODD_DB_NAME), to: s3.storageUrl('backups'), env });
    const obj = await s3.client.send(new GetObjectCommand({ Bucket: 'backups', Key: r.key }));
    const body = Buffer.from(await obj.Body!.transformToByteArray());
    expect(createHash('sha256').update(body).digest('hex')).toBe(r.sha256);
    const m = await s3.client.send(new GetObjectCommand({ Bucket: 'backups', Key: `${r.key}.manifest.json` }));
    expect(JSON.parse(await m.Body!.transformToString())).toMatchObject({ sha256: r.sha256, sizeBytes: body.length, storageClass: 'STANDARD_IA' });
    const tmp = path.join(home.HOME, 'from-s3.dump');
    await writeFile(tmp, body);
    const { stdout } = await execFileAsync(PG_RESTORE, ['--list', tmp]);
    expect(stdout).toContain('TABLE DATA sales customers');
  });

  it('uses multipart upload for objects larger than one part', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    let progressEvents = 0;
    const r = await runBackup({ db: pg.url('bigger'), to: s3.storageUrl('backups', 'multi'), env, onProgress: () => progressEvents++ });
    expect(r.sizeBytes).toBeGreaterThan(24 * 1024 * 1024);
    expect(progressEvents).toBeGreaterThan(2);
    const obj = await s3.client.send(new GetObjectCommand({ Bucket: 'backups', Key: r.key }));
    const body = Buffer.from(await obj.Body!.transformToByteArray());
    expect(createHash('sha256').update(body).digest('hex')).toBe(r.sha256);
  });

  it('a failed upload leaves no object, no manifest and aborts its multipart upload', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    const before = await s3.listKeys('backups');
    // Parts after the first fail on every attempt, as a dying network or a full disk would.
    const proxy = await startFaultyProxy(s3.endpoint, (req) => /partNumber=([2-9]|\d\d)/.test(req.url ?? ''));
    try {
      const to = `s3://backups/failing?endpoint=${encodeURIComponent(proxy.endpoint)}`;
      const err = await runBackup({ db: pg.url('bigger'), to, env }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LifeboatError);
      expect((err as LifeboatError).code).toBe('STORAGE_SERVER_ERROR');
      expect((err as LifeboatError).message).toMatch(/failed to store the backup with a server error \(InternalError\)/);
      expect(proxy.failedRequests).toBeGreaterThan(0);
      expect(proxy.startedUploads()).toHaveLength(1);
      expect([...new Set(proxy.abortedUploads())]).toEqual(proxy.startedUploads());
      expect(proxy.requests.filter((r) => r.method === 'POST' && r.url.includes('uploadId='))).toEqual([]); // never completed
    } finally {
      await proxy.close();
    }
    expect(await s3.listKeys('backups')).toEqual(before);
  });

  it('a backup cancelled mid-upload leaves no object and aborts its multipart upload', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    const before = await s3.listKeys('backups');
    const proxy = await startFaultyProxy(s3.endpoint, () => false);
    const ac = new AbortController();
    try {
      const to = `s3://backups/cancelled?endpoint=${encodeURIComponent(proxy.endpoint)}`;
      const err = await runBackup({
        db: pg.url('bigger'),
        to,
        env,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.bytes > 20 * 1024 * 1024) ac.abort();
        },
      }).catch((e: unknown) => e);
      expect((err as LifeboatError).code).toBe('CANCELLED');
      expect(proxy.startedUploads()).toHaveLength(1);
      expect([...new Set(proxy.abortedUploads())]).toEqual(proxy.startedUploads());
    } finally {
      await proxy.close();
    }
    expect(await s3.listKeys('backups')).toEqual(before);
  });

  it('a pg_dump killed mid-dump leaves nothing behind and says what happened', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    const before = await s3.listKeys('backups');
    const killer = setInterval(() => {
      void pg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pg_dump'`).catch(() => undefined);
    }, 20);
    try {
      const err = await runBackup({ db: pg.url('bigger'), to: s3.storageUrl('backups'), env }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LifeboatError);
      expect((err as LifeboatError).code).toBe('PG_DUMP_FAILED');
      expect((err as LifeboatError).message).toMatch(/^The server ended pg_dump's connection while backing up database "bigger" .*; nothing was stored\./);
    } finally {
      clearInterval(killer);
    }
    expect(await s3.listKeys('backups')).toEqual(before);
  });

  it('a cancelled backup leaves nothing behind', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    const before = await s3.listKeys('backups');
    const ac = new AbortController();
    const err = await runBackup({
      db: pg.url('bigger'),
      to: s3.storageUrl('backups'),
      env,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.bytes > 1024 * 1024) ac.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as LifeboatError).code).toBe('CANCELLED');
    expect(await s3.listKeys('backups')).toEqual(before);
  });
});

describe('bad input changes nothing', () => {
  it('refuses a missing bucket before dumping', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    const err = (await runBackup({ db: pg.url(ODD_DB_NAME), to: s3.storageUrl('no-such-bucket'), env }).catch((e: unknown) => e)) as LifeboatError;
    expect(err.code).toBe('STORAGE_BUCKET_MISSING');
    expect(err.message).toContain('"no-such-bucket"');
  });

  it('explains an unreachable server, a missing database and a wrong password', async () => {
    const secured = await startCluster({ major: 15, password: 'correct horse' });
    try {
      const env = { ...process.env, ...home };
      const wrong = secured.url().replace('correct%20horse', 'wrong-password');
      const auth = (await runBackup({ db: wrong, env }).catch((e: unknown) => e)) as LifeboatError;
      expect(auth.code).toBe('PG_AUTH_FAILED');
      expect(auth.message).not.toContain('wrong-password');
      const missing = (await runBackup({ db: secured.url('nope'), env }).catch((e: unknown) => e)) as LifeboatError;
      expect(missing.code).toBe('PG_DATABASE_MISSING');
      // And a correct password in the URL reaches pg_dump (through its environment).
      const ok = await runBackup({ db: secured.url(), env });
      expect(ok.sizeBytes).toBeGreaterThan(0);
    } finally {
      await secured.stop();
    }
    const down = (await runBackup({ db: 'postgresql://postgres@127.0.0.1:1/x', env: { ...process.env, ...home } }).catch((e: unknown) => e)) as LifeboatError;
    expect(down.code).toBe('PG_UNREACHABLE');
  });
});

describe('the lifeboat CLI', () => {
  it('backs up with --json and lists newest first, including seed-layout backups without a manifest', async () => {
    const env = { ...home, ...s3.env };
    await s3.createBucket('cli');
    // A backup written by the seed's own scripts: pg_dump | gzip, no manifest.
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.client.send(new PutObjectCommand({ Bucket: 'cli', Key: 'database_backups/2023/05/15/celebra_capital_20230515_031012.sql.gz', Body: 'x' }));
    const to = s3.storageUrl('cli');
    const b = await runCli(['backup', '--db', pg.url(ODD_DB_NAME), '--to', to, '--label', 'cli run', '--json'], env);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const out = JSON.parse(b.stdout) as { key: string; size: number; sha256: string; durationMs: number };
    expect(out).toMatchObject({ key: expect.stringMatching(/\.dump$/), size: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), durationMs: expect.any(Number) });
    const l = await runCli(['list', '--to', to, '--json'], env);
    const entries = JSON.parse(l.stdout) as { key: string; hasManifest: boolean; label: string | null }[];
    expect(entries.map((e) => e.key)).toEqual([out.key, 'database_backups/2023/05/15/celebra_capital_20230515_031012.sql.gz']);
    expect(entries[0]).toMatchObject({ hasManifest: true, label: 'cli run' });
    expect(entries[1]).toMatchObject({ hasManifest: false });
    const text = await runCli(['list', '--to', to, '--db-name', 'celebra_capital'], env);
    expect(text.stdout).toContain('celebra_capital_20230515_031012.sql.gz');
    expect(text.stdout).toContain('no manifest');
    expect(text.stdout).not.toContain('.dump');
  });

  it('uses the PG* variables without --db and fails with one clear line otherwise', async () => {
    const env = { ...home, PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGUSER: 'postgres', PGDATABASE: ODD_DB_NAME };
    const ok = await runCli(['backup'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toMatch(/^database_backups\/.*\.dump$/);
    const bad = await runCli(['backup', '--db', 'postgresql://postgres:topsecret@127.0.0.1:1/x'], home);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^lifeboat: Cannot connect to PostgreSQL at 127\.0\.0\.1:1/);
    expect(bad.stderr).not.toContain('topsecret');
    const badUrl = await runCli(['list', '--to', 'ftp://nowhere'], home);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/^lifeboat: Storage URL "ftp:\/\/nowhere" has an unsupported scheme/);
  });
});
