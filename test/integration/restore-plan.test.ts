// One restore plan: what `restore --dry-run` (and the app's review) says is what the restore does;
// never half-restored, manifest or not; safe defaults (--latest on a shared storage, --pg-bin);
// each storage object read once per restore, extract and verification.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestorePlan } from '../../shared/restore-plan.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runExtract } from '../../electron/engine/extract/run-extract.js';
import { runRestore } from '../../electron/engine/restore/run-restore.js';
import { TempRegistry } from '../../electron/engine/restore/temp-registry.js';
import { runVerify } from '../../electron/engine/verify/run-verify.js';
import { runCli, tempHome } from '../support/cli.js';
import { startFaultyProxy } from '../support/faulty-proxy.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN, contentHashes, schemaDump, seedRichDatabase } from '../support/rich-database.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const execFileAsync = promisify(execFile);

let pg: PgCluster;
let s3: S3Server;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let to: string;
let customKey: string;
let plainKey: string;
let sourceSchema: string;
let sourceHashes: Record<string, string>;
let folder: string;
let folderUrl: string;

async function exists(db: string): Promise<boolean> {
  return (await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).length > 0;
}

async function databases(): Promise<string[]> {
  return (await pg.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY datname')).map((r) => r.datname);
}

/** A database holding something the backup has (with other contents) and something it does not. */
async function occupiedDatabase(name: string): Promise<void> {
  await pg.createDatabase(name);
  await pg.query(
    `CREATE TABLE only_here (x text); INSERT INTO only_here VALUES ('mine');
     CREATE SCHEMA also_mine; CREATE TABLE also_mine.t (y int);`,
    [],
    name,
  );
}

async function tablesOf(db: string): Promise<string[]> {
  return (await pg.query<{ t: string }>(`SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`, [], db)).map((r) => r.t);
}

async function dryRun(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RestorePlan> {
  const r = await runCli(['restore', ...args, '--dry-run', '--json'], { ...env, ...extraEnv });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as RestorePlan;
}

beforeAll(async () => {
  [pg, s3, home] = await Promise.all([startCluster({ major: 15 }), startS3Server(), tempHome()]);
  env = { ...process.env, ...home, ...s3.env };
  await pg.createDatabase('shop');
  await seedRichDatabase(pg, 'shop');
  await s3.createBucket('plans');
  to = s3.storageUrl('plans');
  customKey = (await runBackup({ db: pg.url('shop'), to, env, now: () => new Date(Date.UTC(2025, 4, 15, 3, 10, 12)) })).key;
  plainKey = (await runBackup({ db: pg.url('shop'), to, env, format: 'plain', now: () => new Date(Date.UTC(2025, 4, 14, 3, 10, 12)) })).key;
  folder = path.join(home.HOME, 'seed-backups');
  folderUrl = `file://${folder}`;
  [sourceSchema, sourceHashes] = await Promise.all([schemaDump(pg, 'shop'), contentHashes(pg, 'shop')]);
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('the plan is what the restore does', () => {
  for (const format of ['custom', 'plain'] as const) {
    it(`${format}: "replace" drops everything in the target, also tables only the target has, as the plan says`, async () => {
      const key = format === 'custom' ? customKey : plainKey;
      const db = `replace_${format}`;
      await occupiedDatabase(db);
      const before = [await schemaDump(pg, db), await contentHashes(pg, db)];
      const plan = await dryRun(['--key', key, '--to', to, '--target', pg.url(db), '--clean']);
      // --dry-run changed nothing (and needed no --yes to show the plan).
      expect([await schemaDump(pg, db), await contentHashes(pg, db)]).toEqual(before);
      expect(plan).toMatchObject({
        backup: { key, format, hasManifest: true },
        downloads: [{ key, bytes: expect.any(Number) }],
        destination: { database: db, action: 'replace', exists: true, objectCount: 3 },
        destructive: true,
        confirmName: db,
        tool: format === 'custom' ? 'pg_restore' : 'psql',
      });
      expect(plan.steps.join('\n')).toMatch(/drop every schema in it with all it holds \(3 objects now, including tables the backup does not have\)/);
      expect(plan.warnings.join('\n')).toMatch(/all its 3 objects will be dropped, also those the backup does not have/);

      const r = await runCli(['restore', '--key', key, '--to', to, '--target', pg.url(db), '--clean', '--yes'], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // After: exactly the backup's objects; what only the target had is gone, for both formats.
      expect(await tablesOf(db)).toEqual(await tablesOf('shop'));
      expect(await contentHashes(pg, db)).toEqual(sourceHashes);
      expect(await schemaDump(pg, db)).toEqual(sourceSchema);
    });

    it(`${format}: "new database" creates exactly the planned database and nothing else`, async () => {
      const key = format === 'custom' ? customKey : plainKey;
      const db = `fresh_${format}`;
      const before = await databases();
      const plan = await dryRun(['--key', key, '--to', to, '--target', pg.url(db)]);
      expect(await databases()).toEqual(before);
      expect(plan).toMatchObject({ destination: { database: db, action: 'create', exists: false, objectCount: null }, destructive: false, confirmName: null });
      const r = await runRestore({ key, to, target: pg.url(db), env });
      expect(r.plan.destination).toEqual(plan.destination);
      expect(await databases()).toEqual([...before, db].sort());
      expect(await schemaDump(pg, db)).toEqual(sourceSchema);
    });
  }

  it('the backup is looked up while the target is read: failures come in the order of the steps, nothing is created or recorded', async () => {
    const missing = customKey.replace(/_(\d{8})_\d{6}\./, '_$1_000001.');
    expect(missing).not.toBe(customKey);
    const before = await databases();
    const registry = new TempRegistry(env);
    const records = (await registry.list()).length;
    const fail = (req: Partial<Parameters<typeof runRestore>[0]>): Promise<{ code?: string; message: string }> =>
      runRestore({ key: customKey, to, target: pg.url('never_made'), env, ...req }).then(
        () => ({ message: 'restored' }),
        (e: unknown) => e as { code?: string; message: string },
      );
    // No such backup, into a new database, into a temporary one, or onto a server that cannot be reached: the backup's error.
    for (const req of [{ key: missing }, { key: missing, mode: 'temp' as const, target: pg.url() }, { key: missing, target: `postgresql://postgres@127.0.0.1:1/never_made` }]) {
      expect(await fail(req)).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(missing) as unknown });
    }
    // A target that already exists, with a backup that is fine: the target's error, after reading the backup.
    expect(await fail({ target: pg.url('shop'), mode: 'create' })).toMatchObject({ code: 'TARGET_EXISTS' });
    // Bad input comes before any storage or server is asked.
    expect(await fail({ key: 'not/a/backup.txt', target: `postgresql://postgres@127.0.0.1:1/never_made` })).toMatchObject({ code: 'BAD_KEY' });
    expect(await databases()).toEqual(before);
    expect(await registry.list()).toHaveLength(records);
  });

  it('--dry-run --temp names the temporary database that the restore then creates (also for an odd database name)', async () => {
    const odd = `nc_we"ird'db`;
    await pg.createDatabase(odd);
    await pg.query('CREATE TABLE t (x int); INSERT INTO t VALUES (7)', [], odd);
    const { key } = await runBackup({ db: pg.url(odd), to, env, now: () => new Date(Date.UTC(2025, 4, 16, 3, 10, 12)) });
    const clock = { LIFEBOAT_TEST_NOW: '2026-11-30T12:34:56.000Z' };
    const before = await databases();
    const plan = await dryRun(['--key', key, '--to', to, '--target', pg.url(), '--temp'], clock);
    expect(plan.destination).toMatchObject({ action: 'create-temporary', database: 'lifeboat_nc_we-ird-db_20261130_123456' });
    expect(plan.steps.join('\n')).toContain('"lifeboat_nc_we-ird-db_20261130_123456"');
    expect(await databases()).toEqual(before);
    expect(await new TempRegistry(env).list()).toEqual([]);

    const text = await runCli(['restore', '--key', key, '--to', to, '--target', pg.url(), '--temp', '--dry-run'], { ...env, ...clock });
    expect(text.stdout).toMatch(/Into: +"lifeboat_nc_we-ird-db_20261130_123456" on /);
    expect(text.stdout).toMatch(/Nothing was changed \(--dry-run\)\./);

    const r = await runCli(['restore', '--key', key, '--to', to, '--target', pg.url(), '--temp'], { ...env, ...clock });
    expect(r.stderr).toBe('');
    expect(decodeURIComponent(new URL(r.stdout.trim()).pathname.slice(1))).toBe(plan.destination.database);
    expect(await pg.query('SELECT x FROM t', [], plan.destination.database)).toEqual([{ x: 7 }]);
    const dropped = await runCli(['temp', 'drop', plan.destination.database, '--server', pg.url()], env);
    expect(dropped.code).toBe(0);
  });
});

describe('never half-restored, manifest or not', () => {
  it('a seed-layout .sql.gz without manifest, complete as gzip but cut between two statements, is refused: no new database, an existing one unchanged', async () => {
    const { stdout } = await execFileAsync(`${PG15_BIN}/pg_dump`, [`--dbname=${pg.url('shop')}`], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
    const text = stdout.toString('utf8');
    // What `pg_dump | gzip` leaves when pg_dump dies: whole statements, then nothing (the data of
    // later tables and every constraint and index missing).
    const cut = text.indexOf('\nCOPY ', text.indexOf('\nCOPY ') + 1);
    expect(cut).toBeGreaterThan(0);
    const key = 'database_backups/2024/02/01/shop_20240201_031012.sql.gz';
    await mkdir(path.dirname(path.join(folder, ...key.split('/'))), { recursive: true });
    await writeFile(path.join(folder, ...key.split('/')), gzipSync(text.slice(0, cut + 1)));

    const r = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url('cut_new')], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does not end with pg_dump's "-- PostgreSQL database dump complete" line: pg_dump stopped before the end, so it was not restored/);
    expect(await exists('cut_new')).toBe(false);

    for (const [db, args] of [
      ['cut_empty', []],
      ['cut_occupied', ['--clean', '--yes']],
    ] as const) {
      if (db === 'cut_empty') await pg.createDatabase(db);
      else await occupiedDatabase(db);
      const before = [await schemaDump(pg, db), await contentHashes(pg, db)];
      const again = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url(db), ...args], env);
      expect(again.code).toBe(1);
      expect([await schemaDump(pg, db), await contentHashes(pg, db)]).toEqual(before);
    }
    // Nor does an extract or a deep verification restore it (both refuse, leaving no database).
    const before = await databases();
    await expect(runExtract({ key, to: folderUrl, server: pg.url(), table: 'public.attachments', env })).rejects.toMatchObject({ code: 'INTEGRITY_FAILED' });
    const v = await runVerify({ key, to: folderUrl, deep: true, server: pg.url(), env });
    expect(v.outcome).toBe('failed');
    expect(v.problem).toMatch(/dump complete/);
    expect(await databases()).toEqual(before);
    expect(await new TempRegistry(env).list()).toEqual([]);
  });

  it('a custom archive without manifest cut short is refused by restore (new dropped, existing unchanged) and fails verify', async () => {
    const whole = path.join(home.HOME, 'whole.dump');
    await execFileAsync(`${PG15_BIN}/pg_dump`, ['-Fc', `--file=${whole}`, `--dbname=${pg.url('shop')}`]);
    const bytes = await readFile(whole);
    const key = 'database_backups/2024/02/02/shop_20240202_031012.dump';
    await mkdir(path.dirname(path.join(folder, ...key.split('/'))), { recursive: true });
    await writeFile(path.join(folder, ...key.split('/')), bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    await expect(runRestore({ key, to: folderUrl, target: pg.url('cut_custom_new'), env })).rejects.toMatchObject({ code: 'PG_RESTORE_FAILED' });
    expect(await exists('cut_custom_new')).toBe(false);
    await occupiedDatabase('cut_custom_occupied');
    const before = [await schemaDump(pg, 'cut_custom_occupied'), await contentHashes(pg, 'cut_custom_occupied')];
    await expect(runRestore({ key, to: folderUrl, target: pg.url('cut_custom_occupied'), mode: 'clean', confirmed: true, env })).rejects.toMatchObject({ code: 'PG_RESTORE_FAILED' });
    expect([await schemaDump(pg, 'cut_custom_occupied'), await contentHashes(pg, 'cut_custom_occupied')]).toEqual(before);
    const v = await runVerify({ key, to: folderUrl, env });
    expect(v).toMatchObject({ outcome: 'failed', checks: { contentsReadable: false } });
  });
});

describe('safe defaults', () => {
  it('restore --latest without --db-name on a storage holding several databases is refused, naming them', async () => {
    await s3.createBucket('shared');
    const shared = s3.storageUrl('shared');
    await pg.createDatabase('billing');
    await runBackup({ db: pg.url('shop'), to: shared, env });
    await runBackup({ db: pg.url('billing'), to: shared, env });
    const r = await runCli(['restore', '--latest', '--to', shared, '--target', pg.url('latest_any')], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/holds backups of 2 databases \("billing", "shop"\), so "the latest backup" is ambiguous; name the database with --db-name NAME/);
    expect(await exists('latest_any')).toBe(false);
    const ok = await runCli(['restore', '--latest', '--db-name', 'billing', '--to', shared, '--target', pg.url('latest_billing')], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });

  it('a --pg-bin folder that does not exist is an error (every command; LIFEBOAT_PG_BIN too), not silently ignored', async () => {
    for (const args of [
      ['--pg-bin', '/nonexistent/pg/bin', 'restore', '--key', customKey, '--to', to, '--target', pg.url('never_pgbin')],
      ['--pg-bin', '/nonexistent/pg/bin', 'list', '--to', to],
      ['--pg-bin', '/nonexistent/pg/bin', 'backup', '--db', pg.url('shop'), '--to', to],
    ]) {
      const r = await runCli(args, env);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/The PostgreSQL tools folder "\/nonexistent\/pg\/bin" \(--pg-bin\) does not exist/);
    }
    const viaEnv = await runCli(['restore', '--key', customKey, '--to', to, '--target', pg.url('never_pgbin')], { ...env, LIFEBOAT_PG_BIN: '/nonexistent/pg/bin' });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toMatch(/\(LIFEBOAT_PG_BIN\) does not exist/);
    expect(await exists('never_pgbin')).toBe(false);
  });
});

describe('each object is read once', () => {
  it('restore (both formats, new and existing databases), extract and verify --deep GET the backup object exactly once', async () => {
    const proxy = await startFaultyProxy(s3.endpoint, () => false);
    const viaProxy = `s3://plans?endpoint=${encodeURIComponent(proxy.endpoint)}`;
    const gets = (key: string): number => proxy.requests.filter((q) => q.method === 'GET' && decodeURIComponent(q.url.split('?')[0] ?? '').endsWith(`/${key}`)).length;
    const each = async (key: string, run: () => Promise<unknown>): Promise<void> => {
      proxy.requests.length = 0;
      await run();
      expect(gets(key)).toBe(1);
      expect(gets(`${key}.manifest.json`)).toBeLessThanOrEqual(1);
    };
    const ranged = async (key: string, run: () => Promise<{ read: { via: string } }>): Promise<void> => {
      proxy.requests.length = 0;
      expect((await run()).read.via).toBe('index');
      const ranges = proxy.requests
        .filter((q) => q.method === 'GET' && decodeURIComponent(q.url.split('?')[0] ?? '').endsWith(`/${key}`))
        .map((q) => /^bytes=(\d+)-(\d+)$/.exec(q.range ?? '')?.slice(1).map(Number) ?? [NaN, NaN])
        .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
      expect(ranges).toHaveLength(2);
      expect(ranges[0]?.[0]).toBe(0);
      expect(ranges[0]?.[1]).toBeLessThan(ranges[1]?.[0] ?? 0);
      expect(gets(`${key}.manifest.json`)).toBeLessThanOrEqual(1);
    };
    try {
      await each(customKey, () => runRestore({ key: customKey, to: viaProxy, target: pg.url('once_custom'), env }));
      await each(plainKey, () => runRestore({ key: plainKey, to: viaProxy, target: pg.url('once_plain'), env }));
      await each(customKey, () => runRestore({ key: customKey, to: viaProxy, target: pg.url('once_custom'), mode: 'clean', confirmed: true, env }));
      // Selective restore and extract of an indexed backup: ranged GETs of the header + TOC and of
      // the one table's block, no byte read twice.
      await ranged(customKey, () => runRestore({ key: customKey, to: viaProxy, target: pg.url(), mode: 'temp', tables: ['public.attachments'], env }));
      await ranged(customKey, () => runExtract({ key: customKey, to: viaProxy, server: pg.url(), table: 'public.attachments', env }));
      await each(customKey, async () => expect((await runVerify({ key: customKey, to: viaProxy, deep: true, server: pg.url(), env })).outcome).toBe('passed'));
      await each(plainKey, async () => expect((await runVerify({ key: plainKey, to: viaProxy, deep: true, server: pg.url(), env })).outcome).toBe('passed'));
    } finally {
      await proxy.close();
    }
  });
});
