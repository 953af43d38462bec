// --clean while another session holds a lock: a lock timeout that names the sessions, a cancel
// that releases every lock Lifeboat's sessions held, and system databases refused as targets.
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runRestore } from '../../electron/engine/restore/run-restore.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { contentHashes } from '../support/rich-database.js';

const bin = path.resolve(import.meta.dirname, '../../bin/lifeboat.js');

let cluster: PgCluster;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let folderUrl: string;
let key: string;

beforeAll(async () => {
  [cluster, home] = await Promise.all([startCluster({ major: 15 }), tempHome()]);
  env = { ...process.env, ...home };
  folderUrl = `file://${path.join(home.HOME, 'backups')}`;
  await cluster.createDatabase('source');
  await cluster.query(`CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 100) g`, [], 'source');
  key = (await runBackup({ db: cluster.url('source'), to: folderUrl, env, now: () => new Date(Date.UTC(2025, 5, 1, 0, 0, 0)) })).key;
});

afterAll(async () => {
  await cluster?.stop();
});

/** A DBA's session that read the table in a transaction it has not ended: it holds AccessShareLock. */
async function holdLock(db: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: cluster.url(db), application_name: 'report-tool' });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT count(*) FROM orders');
  const pid = Number((await client.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]?.p);
  return { client, pid };
}

async function prepareTarget(db: string): Promise<Record<string, string>> {
  await cluster.createDatabase(db);
  await cluster.query(`CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders VALUES (7, 'mine')`, [], db);
  return contentHashes(cluster, db);
}

describe('--clean while another session holds a lock', () => {
  it('gives up after --lock-timeout, names the session holding the lock, and changes nothing', async () => {
    const before = await prepareTarget('locked_target');
    const holder = await holdLock('locked_target');
    try {
      const started = Date.now();
      const r = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', cluster.url('locked_target'), '--clean', '--yes', '--lock-timeout', '1'], env);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`waited 1 s for locks held by other sessions and stopped, so nothing was changed: pid ${holder.pid} \\(user postgres, application "report-tool", idle in transaction since `));
      expect(r.stderr).toMatch(/--lock-timeout SECONDS/);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await cluster.query(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'lifeboat-%'`)).toEqual([]);
    } finally {
      await holder.client.end();
    }
    expect(await contentHashes(cluster, 'locked_target')).toEqual(before);
  });

  it('rejects a --lock-timeout that is not a number of seconds', async () => {
    const r = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', cluster.url('x'), '--clean', '--yes', '--lock-timeout', '5s'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--lock-timeout must be a whole number of seconds/);
  });

  it('a cancel (SIGTERM) while blocked releases every lock Lifeboat\'s session held: other queries run again', async () => {
    const before = await prepareTarget('cancel_target');
    await cluster.query('CREATE TABLE other (x int)', [], 'cancel_target');
    const holder = await holdLock('cancel_target');
    const child = spawn(process.execPath, [bin, 'restore', '--key', key, '--to', folderUrl, '--target', cluster.url('cancel_target'), '--clean', '--yes', '--lock-timeout', '0'], { env, stdio: 'ignore' });
    try {
      // Lifeboat's session is waiting for the holder's lock (after taking its own on other objects).
      for (;;) {
        const waiting = await cluster.query(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'lifeboat-restore-%' AND wait_event_type = 'Lock'`);
        if (waiting.length > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).not.toBe(0);
      expect(await cluster.query(`SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'lifeboat-%'`)).toEqual([]);
      // Nothing of Lifeboat's blocks anyone: a new session reads every table at once.
      const probe = new pg.Client({ connectionString: cluster.url('cancel_target') });
      await probe.connect();
      try {
        await probe.query(`SET lock_timeout = '2s'`);
        await probe.query('SELECT count(*) FROM other');
      } finally {
        await probe.end();
      }
    } finally {
      await holder.client.end();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(await contentHashes(cluster, 'cancel_target')).toEqual({ ...before, 'public.other': '0:null' });
  });

  it('an engine cancel (the app\'s job cancel) releases the locks too', async () => {
    await prepareTarget('abort_target');
    const holder = await holdLock('abort_target');
    const ac = new AbortController();
    const run = runRestore({ key, to: folderUrl, target: cluster.url('abort_target'), mode: 'clean', confirmed: true, lockTimeoutSeconds: 0, env, signal: ac.signal });
    try {
      for (;;) {
        if ((await cluster.query(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'lifeboat-restore-%' AND wait_event_type = 'Lock'`)).length > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      ac.abort();
      await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await cluster.query(`SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'lifeboat-%'`)).toEqual([]);
    } finally {
      await holder.client.end();
    }
  });
});

describe('system databases as targets', () => {
  it('refuses template1 (with --clean --yes) and postgres (even empty), unless --allow-system-database', async () => {
    const t1 = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', cluster.url('template1'), '--clean', '--yes'], env);
    expect(t1.code).toBe(1);
    expect(t1.stderr).toMatch(/"template1" on .* is a template database \(every new database is copied from it\), so Lifeboat does not restore into it; .* --allow-system-database/);
    const pgdb = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', cluster.url('postgres')], env);
    expect(pgdb.code).toBe(1);
    expect(pgdb.stderr).toMatch(/"postgres" on .* is the maintenance database/);
    expect(await cluster.query(`SELECT 1 FROM pg_class WHERE relname = 'orders'`, [], 'template1')).toEqual([]);
    expect(await cluster.query(`SELECT 1 FROM pg_class WHERE relname = 'orders'`, [], 'postgres')).toEqual([]);
    // A database made a template by the DBA counts as one too.
    await cluster.createDatabase('my_template');
    await cluster.query(`ALTER DATABASE my_template WITH IS_TEMPLATE true`);
    const custom = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', cluster.url('my_template'), '--clean', '--yes'], env);
    expect(custom.stderr).toMatch(/"my_template" .* is a template database/);

    const allowed = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', cluster.url('postgres'), '--allow-system-database'], env);
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(await cluster.query(`SELECT count(*)::int AS n FROM orders`, [], 'postgres')).toEqual([{ n: 100 }]);
  });
});
