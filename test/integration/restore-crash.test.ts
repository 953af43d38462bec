// kill -9 of Lifeboat at any moment of a restore: an existing target stays exactly as it was (no
// pg_restore or psql outlives Lifeboat and commits), a new database is listed as interrupted and
// can be dropped, and the scratch copy of the dead run goes at the next start.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { pgToolsFor } from '../support/pg-tool-processes.js';
import { contentHashes } from '../support/rich-database.js';

const bin = path.resolve(import.meta.dirname, '../../bin/lifeboat.js');

let pg: PgCluster;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let folderUrl: string;
let key: string;

/** A backup whose restore takes long enough to be caught mid-COPY and mid-index-build. */
async function seed(db: string): Promise<void> {
  await pg.createDatabase(db);
  await pg.query(
    `CREATE TABLE public.customers (id int PRIMARY KEY, name text);
     INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 1000) g;
     CREATE TABLE public.events (id int PRIMARY KEY, customer_id int REFERENCES customers, payload text, at timestamptz);
     INSERT INTO events SELECT g, 1 + g % 1000, repeat(md5(g::text), 4), '2025-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, 400000) g;
     CREATE INDEX events_payload ON events (payload);
     CREATE INDEX events_at ON events (at, payload);
     CREATE INDEX events_customer ON events (customer_id, payload);`,
    [],
    db,
  );
}

beforeAll(async () => {
  [pg, home] = await Promise.all([startCluster({ major: 15 }), tempHome()]);
  env = { ...process.env, ...home };
  folderUrl = `file://${path.join(home.HOME, 'backups')}`;
  await seed('source');
  key = (await runBackup({ db: pg.url('source'), to: folderUrl, env, now: () => new Date(Date.UTC(2025, 4, 1, 2, 3, 4)) })).key;
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

function startRestore(args: string[]): ChildProcess {
  return spawn(process.execPath, [bin, 'restore', '--key', key, '--to', folderUrl, ...args], { env, stdio: 'ignore' });
}

/** Polls until `check` returns a value (or throws after `ms`). */
async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The restore's own session on the target, doing what `pattern` says. */
async function restoreBackend(db: string, pattern: string): Promise<boolean> {
  const rows = await pg.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'lifeboat-%' AND state = 'active' AND query ILIKE $2`, [db, pattern]);
  return rows.length > 0;
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** After the kill: every tool goes (at end of input, without COMMIT), and the server rolls back. */
async function expectNothingLeft(db: string): Promise<void> {
  await waitFor('the orphaned tools to exit', async () => (await pgToolsFor(db)).length === 0, 60_000);
  await waitFor('the restore session to end', async () => (await pg.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'lifeboat-%'`, [db])).length === 0, 60_000);
}

async function scratchFiles(): Promise<string[]> {
  return (await readdir(path.join(home.LIFEBOAT_HOME, 'tmp')).catch(() => [])).filter((f) => f.startsWith('lifeboat-'));
}

describe('kill -9 of Lifeboat during a restore over an existing database', () => {
  for (const moment of [
    { name: 'during the COPY of table data', pattern: 'COPY public.events%' },
    { name: 'just before COMMIT (building the last indexes)', pattern: 'CREATE INDEX events_%' },
  ]) {
    it(`${moment.name}: the target stays exactly as it was, no tool is left, the scratch copy goes at the next start`, async () => {
      const db = `crash_target_${moment.pattern.startsWith('COPY') ? 'copy' : 'index'}`;
      await pg.createDatabase(db);
      await pg.query(`CREATE TABLE keepme (id int PRIMARY KEY, v text); INSERT INTO keepme SELECT g, md5(g::text) FROM generate_series(1, 500) g; CREATE TABLE events (x int); INSERT INTO events VALUES (42)`, [], db);
      const before = await contentHashes(pg, db);

      const child = startRestore(['--target', pg.url(db), '--clean', '--yes']);
      await waitFor(moment.name, () => restoreBackend(db, moment.pattern));
      await killHard(child);
      expect(await scratchFiles()).toHaveLength(1);

      await expectNothingLeft(db);
      expect(await contentHashes(pg, db)).toEqual(before);
      // The next start of any command removes the dead run's copy.
      const r = await runCli(['temp', 'list'], env);
      expect(r.code).toBe(0);
      expect(await scratchFiles()).toEqual([]);
    });
  }

  it('while downloading (before anything touched the target): the target stays, nothing is left', async () => {
    const db = 'crash_target_download';
    await pg.createDatabase(db);
    await pg.query(`CREATE TABLE keepme (id int); INSERT INTO keepme VALUES (1)`, [], db);
    const before = await contentHashes(pg, db);
    const child = startRestore(['--target', pg.url(db), '--clean', '--yes']);
    await waitFor('the scratch copy to appear', async () => (await scratchFiles()).length > 0);
    await killHard(child);
    await expectNothingLeft(db);
    expect(await contentHashes(pg, db)).toEqual(before);
    await runCli(['temp', 'list'], env);
    expect(await scratchFiles()).toEqual([]);
  });
});

describe('kill -9 during a restore into a new database', () => {
  it('the half-restored database is recorded before it was created, listed as interrupted, named by the next restore, and dropped on request', async () => {
    const db = 'crash_new_database';
    const child = startRestore(['--target', pg.url(db)]);
    await waitFor('the COPY', () => restoreBackend(db, 'COPY public.events%'));
    await killHard(child);
    await expectNothingLeft(db);

    const list = await runCli(['temp', 'list', '--server', pg.url()], env);
    expect(list.stdout).toMatch(new RegExp(`${db} .*INTERRUPTED: its restore was killed before it finished; drop it with \`lifeboat temp drop ${db} --server URL\``));
    const again = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url(db)], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`Database "${db}" on .* was left half-restored by a restore of ${key} that was interrupted`));
    // Replacing it with --clean --yes makes it whole again (and no longer listed).
    const replaced = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url(db), '--clean', '--yes'], env);
    expect(replaced.stderr).toBe('');
    expect((await runCli(['temp', 'list', '--server', pg.url()], env)).stdout).not.toContain(db);
    await pg.query(`DROP DATABASE ${db}`);
    const child2 = startRestore(['--target', pg.url(db)]);
    await waitFor('the COPY', () => restoreBackend(db, 'COPY public.events%'));
    await killHard(child2);
    await expectNothingLeft(db);
    const drop = await runCli(['temp', 'drop', db, '--server', pg.url()], env);
    expect(drop.stderr).toBe('');
    expect(drop.stdout).toBe(`Dropped ${db}.\n`);
    expect(await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).toEqual([]);
    // A finished restore of a new database leaves no record: the database is the user's.
    const ok = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url(db)], env);
    expect(ok.code).toBe(0);
    expect((await runCli(['temp', 'list', '--server', pg.url()], env)).stdout).not.toContain(db);
    const refused = await runCli(['temp', 'drop', db, '--server', pg.url()], env);
    expect(refused.code).toBe(1);
  });

  it('--temp: killed mid-restore, listed as interrupted and dropped (DROP … WITH (FORCE))', async () => {
    const child = startRestore(['--target', pg.url(), '--temp']);
    const temp = await waitFor('the temporary database', async () => (await pg.query<{ datname: string }>(`SELECT datname FROM pg_stat_activity WHERE datname LIKE 'lifeboat_source_%' AND query ILIKE 'COPY public.events%'`))[0]?.datname);
    await killHard(child);
    const list = await runCli(['temp', 'list', '--server', pg.url(), '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: temp, status: 'interrupted', exists: true })]));
    const drop = await runCli(['temp', 'drop', temp, '--server', pg.url()], env);
    expect(drop.code).toBe(0);
    await expectNothingLeft(temp);
  });
});

describe('scratch copies', () => {
  it('the next start removes copies of dead runs only, never a live run\'s', async () => {
    const dir = path.join(home.LIFEBOAT_HOME, 'tmp');
    await mkdir(dir, { recursive: true });
    const host = (await import('node:os')).hostname().replace(/[^A-Za-z0-9]/g, '');
    // A process that has exited: its pid is free (and not reused within the test).
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    const deadFile = `lifeboat-restore-${host}-${dead.pid}-0123456789ab.dump`;
    const liveFile = `lifeboat-restore-${host}-${process.pid}-0123456789ab.dump`;
    const otherFile = 'not-lifeboat.dump';
    for (const f of [deadFile, liveFile, otherFile]) await writeFile(path.join(dir, f), 'x');
    await runCli(['temp', 'list'], env);
    expect((await readdir(dir)).sort()).toEqual([liveFile, otherFile].sort());
  });
});
