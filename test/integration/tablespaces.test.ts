// Tablespaces against real PostgreSQL 15 clusters: a source whose table lives in a tablespace,
// backed up with its globals, then restored into another server that lacks the tablespace — as
// on another machine, its directory does not exist there. A restore says which tablespaces are
// missing and what to do before touching anything; --no-tablespaces puts everything in the default
// tablespace; --with-globals creates them only where their directory exists, owned by the server's
// OS user, and a failed creation leaves the server as it was. A set (`restore --group`) stops before
// any of its databases is restored, and takes --no-tablespaces for each of them.
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../shared/manifest.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';

let source: PgCluster;
let target: PgCluster;
let env: NodeJS.ProcessEnv;
let base: string;
let location: string;
let storage: string;
let key: string;
/** A set from `backup --all-databases` of the source: crm (default tablespace only), postgres, shop (uses "fast"). */
let sets: string;
let group: string;

const isRoot = process.getuid?.() === 0;

async function postgresOwns(dir: string): Promise<void> {
  if (!isRoot) return;
  const { execFileSync } = await import('node:child_process');
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  await chown(dir, uid, gid);
}

/** Everything on the target a restore could change: databases, tablespaces, roles. */
async function targetState(): Promise<unknown> {
  return {
    dbs: await target.query('SELECT datname FROM pg_database ORDER BY 1'),
    tablespaces: await target.query('SELECT spcname, pg_tablespace_location(oid) AS location FROM pg_tablespace ORDER BY 1'),
    roles: await target.query('SELECT rolname FROM pg_roles ORDER BY 1'),
  };
}

async function tablespaceOf(pg: PgCluster, db: string, table: string): Promise<string | null> {
  const [r] = await pg.query<{ tablespace: string | null }>('SELECT tablespace FROM pg_tables WHERE tablename = $1', [table], db);
  return r?.tablespace ?? null;
}

function restore(db: string, ...extra: string[]): ReturnType<typeof runCli> {
  return runCli(['restore', '--to', storage, '--key', key, '--target', target.url(db), ...extra], env);
}

beforeAll(async () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  [source, target, home] = await Promise.all([startCluster({ major: 15 }), startCluster({ major: 15 }), tempHome()]);
  env = { ...home };
  storage = `file://${path.join(home.HOME, 'backups')}`;
  base = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-tablespaces-'));
  await postgresOwns(base);
  location = path.join(base, 'fast');
  await mkdir(location);
  await postgresOwns(location);
  await source.query(`CREATE TABLESPACE fast LOCATION '${location}'`);
  await source.createDatabase('shop');
  await source.query('CREATE TABLE orders (id int PRIMARY KEY, total numeric) TABLESPACE fast; INSERT INTO orders SELECT g, g * 2 FROM generate_series(1, 500) g; CREATE TABLE notes (id int)', [], 'shop');

  const b = await runCli(['backup', '--db', source.url('shop'), '--to', storage, '--json'], env);
  expect(b.code, b.stderr).toBe(0);
  key = (JSON.parse(b.stdout) as { key: string }).key;
  const folder = path.join(home.HOME, 'backups');
  const manifest = manifestSchema.parse(JSON.parse(await readFile(path.join(folder, `${key}.manifest.json`), 'utf8')));
  // Recorded while the archive streamed: the plan knows before anything is downloaded.
  expect(manifest.tablespaces).toEqual(['fast']);
  expect(await readFile(path.join(folder, `${key}.globals.sql`), 'utf8')).toContain(`CREATE TABLESPACE fast OWNER postgres LOCATION '${location}';`);

  // The whole server as a set; crm sorts (and would be restored) before shop.
  await source.createDatabase('crm');
  await source.query('CREATE TABLE contacts (id int PRIMARY KEY); INSERT INTO contacts SELECT generate_series(1, 20)', [], 'crm');
  sets = `file://${path.join(home.HOME, 'sets')}`;
  const all = await runCli(['backup', '--all-databases', '--db', source.url('postgres'), '--to', sets, '--json'], env);
  expect(all.code, all.stderr).toBe(0);
  const set = JSON.parse(all.stdout) as { group: string; databases: string[] };
  expect(set.databases).toEqual(['crm', 'postgres', 'shop']);
  group = set.group;

  // "Another machine": the source lets go of the tablespace and its directory is gone.
  await source.query('DROP DATABASE shop');
  await source.query('DROP TABLESPACE fast');
  await rm(location, { recursive: true, force: true });
}, 120_000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (base) await rm(base, { recursive: true, force: true });
});

describe('restoring a backup that uses tablespaces into a server without them', () => {
  it('stops before touching anything, naming the missing tablespace and what to do', async () => {
    const before = await targetState();
    const r = await restore('shop');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`lifeboat: The backup puts objects in tablespaces that 127.0.0.1:${target.port} does not have ("fast"), so nothing was restored. Add --no-tablespaces`);
    expect(await targetState()).toEqual(before);
    // The plan says so too, and changes nothing.
    const plan = await restore('shop', '--dry-run', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ tablespaces: { needed: ['fast'], missing: ['fast'], action: 'keep' }, warnings: expect.arrayContaining([expect.stringContaining('does not have ("fast")')]) as unknown });
    expect(await targetState()).toEqual(before);
  });

  it('--with-globals: a directory missing on the server is named before anything is created', async () => {
    const before = await targetState();
    const r = await restore('shop', '--with-globals');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`"fast" at ${location}: the directory does not exist on 127.0.0.1:${target.port}. Nothing was restored. Create each directory on the server, owned by the server's OS user (e.g. \`mkdir -p DIR && chown postgres: DIR\`)`);
    expect(await targetState()).toEqual(before);
  });

  it.runIf(isRoot)('--with-globals: a directory the server may not take (owned by root) fails its CREATE TABLESPACE and leaves the server as it was', async () => {
    await mkdir(location);
    const before = await targetState();
    const r = await restore('shop', '--with-globals');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Could not create the tablespace "fast" at ${location.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} on 127\\.0\\.0\\.1:${target.port} \\(.*(permission|Operation not permitted).*\\), so nothing was restored\\.`, 'i'));
    expect(await targetState()).toEqual(before);
    await rm(location, { recursive: true, force: true });
  });

  it('--no-tablespaces restores everything into the default tablespace', async () => {
    const r = await restore('shop_default', '--no-tablespaces');
    expect(r.code, r.stderr).toBe(0);
    expect(await tablespaceOf(target, 'shop_default', 'orders')).toBeNull();
    expect(await target.query('SELECT count(*)::int AS n FROM orders', [], 'shop_default')).toEqual([{ n: 500 }]);
    expect(await target.query("SELECT spcname FROM pg_tablespace WHERE spcname = 'fast'")).toEqual([]);
  });

  it('a deep verification restores its temporary database in the default tablespace: the drill works on a server without it', async () => {
    const r = await runCli(['verify', '--to', storage, '--key', key, '--deep', '--server', target.url()], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await target.query("SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat\\_%'")).toEqual([]);
  });

  it('restore --group: a set using a tablespace the server lacks stops before any of its databases is restored; with --no-tablespaces each goes in the default tablespace', async () => {
    const before = await targetState();
    const r = await runCli(['restore', '--group', group, '--server', target.url('postgres'), '--to', sets], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`lifeboat: Set ${group} puts objects in tablespaces that 127.0.0.1:${target.port} does not have ("fast" for "shop"), so nothing was restored; add --no-tablespaces`);
    // Not even crm, which needs no tablespace and comes first.
    expect(await targetState()).toEqual(before);

    try {
      const ok = await runCli(['restore', '--group', group, '--server', target.url('postgres'), '--to', sets, '--no-tablespaces'], env);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/^Restored \S+ into "crm"\nRestored \S+ into "shop"\n$/);
      expect(await tablespaceOf(target, 'shop', 'orders')).toBeNull();
      expect(await target.query('SELECT count(*)::int AS n FROM orders', [], 'shop')).toEqual([{ n: 500 }]);
      expect(await target.query('SELECT count(*)::int AS n FROM contacts', [], 'crm')).toEqual([{ n: 20 }]);
      expect(await target.query("SELECT spcname FROM pg_tablespace WHERE spcname = 'fast'")).toEqual([]);
    } finally {
      // The next test restores "shop" itself.
      await target.query('DROP DATABASE IF EXISTS shop');
      await target.query('DROP DATABASE IF EXISTS crm');
    }
  });

  it('--with-globals creates the tablespace where its directory exists, owned by postgres, and restores into it; later restores keep it', async () => {
    await mkdir(location);
    await postgresOwns(location);
    const r = await restore('shop', '--with-globals');
    expect(r.code, r.stderr).toBe(0);
    expect(await target.query("SELECT spcname, pg_tablespace_location(oid) AS location, pg_get_userbyid(spcowner) AS owner FROM pg_tablespace WHERE spcname = 'fast'")).toEqual([{ spcname: 'fast', location, owner: 'postgres' }]);
    expect(await tablespaceOf(target, 'shop', 'orders')).toBe('fast');
    expect(await tablespaceOf(target, 'shop', 'notes')).toBeNull();
    expect(await target.query('SELECT count(*)::int AS n FROM orders', [], 'shop')).toEqual([{ n: 500 }]);
    // The server has it now: a plain restore keeps the tablespace.
    const again = await restore('shop_again');
    expect(again.code, again.stderr).toBe(0);
    expect(await tablespaceOf(target, 'shop_again', 'orders')).toBe('fast');
  });
});
