// Globals against real servers: PostgreSQL 15 clusters (a source with roles owning objects and
// holding grants and memberships, fresh targets), Ceph RGW, and the real pg_dumpall, pg_restore
// and psql run by the CLI.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema, type BackupManifest } from '../../shared/manifest.js';
import { runCli } from '../support/cli.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const SOURCE_PASSWORD = 'globals-src-pw-7q2';
const WRITER_PASSWORD = 'writer-secret-pw-93k';

let source: PgCluster;
let target: PgCluster;
let s3: S3Server;
let machine: TestEnv;
let env: NodeJS.ProcessEnv;
let storage: string;
let plainKey: string;

async function stored(key: string): Promise<Buffer> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: 'globals', Key: key }));
  return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

async function manifestOf(key: string): Promise<BackupManifest> {
  return manifestSchema.parse(JSON.parse((await stored(`${key}.manifest.json`)).toString('utf8')));
}

/** Everything about a server's roles and databases a restore could change. */
async function serverState(pg: PgCluster): Promise<unknown> {
  const roles = await pg.query('SELECT rolname, rolsuper, rolcanlogin, rolconnlimit, rolpassword IS NULL AS nopw FROM pg_authid ORDER BY rolname');
  const members = await pg.query('SELECT r.rolname AS role, m.rolname AS member FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member ORDER BY 1, 2');
  const dbs = await pg.query('SELECT datname FROM pg_database ORDER BY 1');
  return { roles, members, dbs };
}

async function backup(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ key: string; globals: string | null; stderr: string }> {
  const r = await runCli(['backup', ...args, '--json'], { ...env, ...extraEnv });
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { key: string; globals: string | null };
  return { key: out.key, globals: out.globals, stderr: r.stderr };
}

beforeAll(async () => {
  [source, target, s3, machine] = await Promise.all([startCluster({ major: 15, password: SOURCE_PASSWORD }), startCluster({ major: 15 }), startS3Server(), freshMachine()]);
  env = { ...machine, ...s3.env };
  await s3.createBucket('globals');
  storage = s3.storageUrl('globals', 'prod');
  for (const sql of [
    'CREATE ROLE app_owner NOLOGIN',
    'CREATE ROLE readers NOLOGIN',
    `CREATE ROLE "Report Writer" LOGIN CONNECTION LIMIT 3 PASSWORD '${WRITER_PASSWORD}'`,
    'GRANT readers TO "Report Writer"',
    "CREATE ROLE auditor LOGIN PASSWORD 'auditor-pw'",
  ]) await source.query(sql);
  await source.createDatabase('shop');
  for (const sql of [
    'CREATE SCHEMA app AUTHORIZATION app_owner',
    'CREATE TABLE app.orders (id int PRIMARY KEY, note text)',
    'ALTER TABLE app.orders OWNER TO app_owner',
    "INSERT INTO app.orders SELECT g, 'order ' || g FROM generate_series(1, 100) g",
    'GRANT SELECT ON app.orders TO readers',
    'GRANT INSERT ON app.orders TO "Report Writer"',
  ]) await source.query(sql, [], 'shop');
  // The target already has a role of the same name, set up differently: it must stay as it is.
  await target.query('CREATE ROLE readers NOLOGIN CONNECTION LIMIT 7');
}, 120_000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop(), s3?.stop()]);
});

describe('every backup records the server globals', () => {
  it('writes <key>.globals.sql beside the backup, listed in the manifest, without role passwords; `globals --key` prints it', async () => {
    const b = await backup(['--db', source.url('shop'), '--to', storage]);
    plainKey = b.key;
    expect(b.globals).toBe(`${path.posix.basename(b.key)}.globals.sql`);
    const keys = await s3.listKeys('globals');
    expect(keys).toContain(`${b.key}.globals.sql`);
    const sidecar = await stored(`${b.key}.globals.sql`);
    const m = await manifestOf(b.key);
    expect(m.globals).toMatchObject({ name: b.globals, sizeBytes: sidecar.length, sha256: createHash('sha256').update(sidecar).digest('hex'), rolePasswords: false, pgDumpall: { major: 15 } });
    expect(m.roles?.owners).toContain('app_owner');
    expect(m.roles?.grantees).toEqual(expect.arrayContaining(['readers', 'Report Writer']));
    const text = sidecar.toString('utf8');
    expect(text).toContain('CREATE ROLE app_owner;');
    expect(text).toContain('GRANT readers TO "Report Writer"');
    expect(text).not.toMatch(/SCRAM-SHA-256|PASSWORD/);

    const printed = await runCli(['globals', '--key', b.key, '--to', storage], env);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(text);
  });

  it('refuses --with-role-passwords for a backup that is not encrypted, storing nothing', async () => {
    const before = await s3.listKeys('globals');
    const r = await runCli(['backup', '--db', source.url('shop'), '--to', storage, '--with-role-passwords'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--with-role-passwords needs an encrypted backup');
    expect(r.stderr).not.toContain(SOURCE_PASSWORD);
    expect(await s3.listKeys('globals')).toEqual(before);
  });
});

describe('restoring into a server that lacks the roles', () => {
  it('with --keep-owner but without --with-globals: stops before touching anything, naming the missing roles', async () => {
    const before = await serverState(target);
    const dry = await runCli(['restore', '--key', plainKey, '--to', storage, '--target', target.url('shop'), '--keep-owner', '--keep-acl', '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Roles:   the target lacks Report Writer, app_owner');
    const r = await runCli(['restore', '--key', plainKey, '--to', storage, '--target', target.url('shop'), '--keep-owner', '--keep-acl'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"Report Writer", "app_owner"');
    expect(r.stderr).toContain('--with-globals');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await serverState(target)).toEqual(before);
  });

  it('by default (no owners, no privileges) the roles do not matter and the restore goes ahead', async () => {
    const r = await runCli(['restore', '--key', plainKey, '--to', storage, '--target', target.url('shop_plain')], env);
    expect(r.code, r.stderr).toBe(0);
    const [t] = await target.query<{ owner: string }>("SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'app' AND tablename = 'orders'", [], 'shop_plain');
    expect(t?.owner).toBe('postgres');
    expect((await target.query("SELECT 1 FROM pg_roles WHERE rolname = 'app_owner'")).length).toBe(0);
  });

  it('with --with-globals: creates the missing roles (and only those) first, objects owned and granted as in the source, existing roles untouched', async () => {
    const r = await runCli(['restore', '--key', plainKey, '--to', storage, '--target', target.url('shop_roles'), '--with-globals'], env);
    expect(r.code, r.stderr).toBe(0);
    const roles = await target.query<{ rolname: string; rolcanlogin: boolean; rolconnlimit: number; nopw: boolean; rolsuper: boolean }>(
      'SELECT rolname, rolcanlogin, rolconnlimit, rolpassword IS NULL AS nopw, rolsuper FROM pg_authid WHERE rolname IN ($1, $2, $3, $4) ORDER BY rolname',
      ['Report Writer', 'app_owner', 'auditor', 'readers'],
    );
    expect(roles).toEqual([
      { rolname: 'Report Writer', rolcanlogin: true, rolconnlimit: 3, nopw: true, rolsuper: false },
      { rolname: 'app_owner', rolcanlogin: false, rolconnlimit: -1, nopw: true, rolsuper: false },
      // readers existed: its connection limit of 7 is the target's, not the source's.
      { rolname: 'readers', rolcanlogin: false, rolconnlimit: 7, nopw: true, rolsuper: false },
    ]);
    const [owned] = await target.query<{ table_owner: string; schema_owner: string }>(
      "SELECT t.tableowner AS table_owner, pg_get_userbyid(n.nspowner) AS schema_owner FROM pg_tables t JOIN pg_namespace n ON n.nspname = t.schemaname WHERE t.schemaname = 'app' AND t.tablename = 'orders'",
      [],
      'shop_roles',
    );
    expect(owned).toEqual({ table_owner: 'app_owner', schema_owner: 'app_owner' });
    const [grants] = await target.query<{ readers_select: boolean; writer_insert: boolean; writer_in_readers: boolean }>(
      "SELECT has_table_privilege('readers', 'app.orders', 'SELECT') AS readers_select, has_table_privilege('Report Writer', 'app.orders', 'INSERT') AS writer_insert, pg_has_role('Report Writer', 'readers', 'MEMBER') AS writer_in_readers",
      [],
      'shop_roles',
    );
    expect(grants).toEqual({ readers_select: true, writer_insert: true, writer_in_readers: true });
    expect((await target.query<{ n: string }>('SELECT count(*) AS n FROM app.orders', [], 'shop_roles'))[0]?.n).toBe('100');
  });
});

describe('a restore that fails after creating roles', () => {
  it('drops the roles it created: the server is left exactly as it was', async () => {
    const fresh = await startCluster({ major: 15 });
    const holder = new pg.Client({ connectionString: fresh.url('shop') });
    try {
      await fresh.createDatabase('shop');
      await fresh.query('CREATE TABLE busy (id int)', [], 'shop');
      // Another session reads the table the restore must drop: --clean waits 1 s for its lock, then stops.
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM busy');
      const before = await serverState(fresh);
      const r = await runCli(['restore', '--key', plainKey, '--to', storage, '--target', fresh.url('shop'), '--clean', '--yes', '--with-globals', '--lock-timeout', '1'], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/waited 1 s for locks/);
      expect(await serverState(fresh)).toEqual(before);
    } finally {
      await holder.end().catch(() => undefined);
      await fresh.stop();
    }
  });
});

describe('a hostile globals sidecar', () => {
  it('runs nothing: no meta-command, no COPY PROGRAM, no dropped database, no injected role, no elevated power', async () => {
    const fresh = await startCluster({ major: 15 });
    const marks = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-hostile-'));
    await chmod(marks, 0o777); // writable by the server user, so a COPY … PROGRAM that ran would leave a file
    try {
      await fresh.createDatabase('sentinel');
      const b = await backup(['--db', source.url('shop'), '--to', storage]);
      const real = (await stored(`${b.key}.globals.sql`)).toString('utf8');
      const hostile = `${real}
\\! touch ${marks}/meta-command
COPY (SELECT 1) TO PROGRAM 'touch ${marks}/copy-program';
DROP DATABASE sentinel;
CREATE ROLE "evil"";DROP DATABASE sentinel;--";
GRANT pg_execute_server_program TO app_owner;
ALTER ROLE app_owner WITH SUPERUSER;
DO $$BEGIN EXECUTE 'DROP DATABASE sentinel'; END$$;
`;
      // Someone with write access to the bucket swaps the sidecar and fixes up the manifest.
      const m = await manifestOf(b.key);
      const bytes = Buffer.from(hostile, 'utf8');
      const forged = { ...m, globals: { ...(m.globals as NonNullable<BackupManifest['globals']>), sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } };
      await s3.client.send(new PutObjectCommand({ Bucket: 'globals', Key: `${b.key}.globals.sql`, Body: bytes }));
      await s3.client.send(new PutObjectCommand({ Bucket: 'globals', Key: `${b.key}.manifest.json`, Body: JSON.stringify(forged) }));

      const r = await runCli(['restore', '--key', b.key, '--to', storage, '--target', fresh.url('shop'), '--with-globals'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(await readdir(marks)).toEqual([]);
      expect((await fresh.query("SELECT 1 FROM pg_database WHERE datname = 'sentinel'")).length).toBe(1);
      expect((await fresh.query("SELECT 1 FROM pg_roles WHERE rolname LIKE 'evil%'")).length).toBe(0);
      const [owner] = await fresh.query<{ rolsuper: boolean; exec: boolean }>("SELECT rolsuper, pg_has_role('app_owner', 'pg_execute_server_program', 'MEMBER') AS exec FROM pg_roles WHERE rolname = 'app_owner'");
      expect(owner).toEqual({ rolsuper: false, exec: false });
    } finally {
      await fresh.stop();
      await rm(marks, { recursive: true, force: true });
    }
  });

  it('a sidecar that does not match its manifest is refused before anything is created', async () => {
    const fresh = await startCluster({ major: 15 });
    try {
      const b = await backup(['--db', source.url('shop'), '--to', storage]);
      await s3.client.send(new PutObjectCommand({ Bucket: 'globals', Key: `${b.key}.globals.sql`, Body: 'CREATE ROLE app_owner;\n' }));
      const before = await serverState(fresh);
      const r = await runCli(['restore', '--key', b.key, '--to', storage, '--target', fresh.url('shop'), '--with-globals'], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('do not match the manifest');
      expect(await serverState(fresh)).toEqual(before);
    } finally {
      await fresh.stop();
    }
  });
});

describe('encrypted backups and globals failures', () => {
  it("an encrypted backup's globals are encrypted too; --with-role-passwords keeps hashes only there; `globals --key` decrypts", async () => {
    const add = await runCli(
      ['profile', 'add', 'vault', '--db', `postgresql://postgres@127.0.0.1:${source.port}/shop`, '--password-stdin', '--to', storage, '--s3-access-key-id', s3.accessKeyId, '--s3-secret-stdin', '--encrypt'],
      machine,
      `${SOURCE_PASSWORD}\n${s3.secretAccessKey}\n`,
    );
    expect(add.code, add.stderr).toBe(0);
    const b = await backup(['--profile', 'vault', '--with-role-passwords']);
    expect(b.key).toMatch(/\.dump\.enc$/);
    const sidecarKey = `${b.key}.globals.sql.enc`;
    expect(b.globals).toBe(path.posix.basename(sidecarKey));
    const bytes = await stored(sidecarKey);
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('LBOATENC');
    expect(bytes.includes(Buffer.from('CREATE ROLE'))).toBe(false);
    expect(bytes.includes(Buffer.from('SCRAM-SHA-256'))).toBe(false);
    expect((await manifestOf(b.key)).globals?.rolePasswords).toBe(true);
    const printed = await runCli(['globals', '--key', b.key, '--profile', 'vault'], machine);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('CREATE ROLE app_owner;');
    expect(printed.stdout).toMatch(/ALTER ROLE "Report Writer" WITH .*PASSWORD 'SCRAM-SHA-256\$/);
    expect(printed.stdout).not.toContain(WRITER_PASSWORD);
  });

  it('when pg_dumpall may not read pg_authid (a managed server), the backup is kept and the manifest says why it has no globals', async () => {
    await source.query("CREATE ROLE backup_user LOGIN PASSWORD 'backup-user-pw'");
    // Enough to dump the database, not to read pg_authid (pg_read_all_data would read it too).
    await source.query('GRANT USAGE ON SCHEMA app TO backup_user', [], 'shop');
    await source.query('GRANT SELECT ON app.orders TO backup_user', [], 'shop');
    const add = await runCli(
      ['profile', 'add', 'managed', '--db', `postgresql://backup_user@127.0.0.1:${source.port}/shop`, '--password-stdin', '--to', storage, '--s3-access-key-id', s3.accessKeyId, '--s3-secret-stdin', '--encrypt'],
      machine,
      `backup-user-pw\n${s3.secretAccessKey}\n`,
    );
    expect(add.code, add.stderr).toBe(0);
    const b = await backup(['--profile', 'managed', '--with-role-passwords']);
    expect(b.globals).toBeNull();
    expect(b.stderr).toBe('');
    const m = await manifestOf(b.key);
    expect(m.globals).toBeUndefined();
    expect(m.globalsWarning).toMatch(/roles were not recorded .*pg_authid/);
    expect(m.globalsWarning).not.toContain('backup-user-pw');
    const keys = await s3.listKeys('globals');
    expect(keys).toContain(b.key);
    expect(keys.filter((k) => k.startsWith(`${b.key}.globals`))).toEqual([]);
    const printed = await runCli(['globals', '--key', b.key, '--profile', 'managed'], machine);
    expect(printed.code).not.toBe(0);
    expect(printed.stderr).toContain('has no globals');
  });

  it('a backup that fails after its globals were stored leaves no globals object (nor anything else of its own)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-globals-fail-'));
    try {
      // A folder squats on the manifest's name: the last write fails, after the dump and globals.
      const manifestPath = path.join(dir, 'database_backups/2026/12/01/shop_20261201_030000.dump.manifest.json');
      await mkdir(manifestPath, { recursive: true });
      const r = await runCli(['backup', '--db', source.url('shop'), '--to', `file://${dir}`], { ...env, LIFEBOAT_TEST_NOW: '2026-12-01T03:00:00Z' });
      expect(r.code).not.toBe(0);
      // It failed at the very last write, so the globals had been stored, and were removed again.
      expect(r.stderr).toContain('shop_20261201_030000.dump.manifest.json already exists');
      expect(await readdir(path.dirname(manifestPath))).toEqual([path.basename(manifestPath)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a whole server as a set: backup --all-databases, restore --group', () => {
  it('backs up every database and the globals once, lists them as a set, and restores the set with its roles into a fresh server', async () => {
    const servers = s3.storageUrl('globals', 'servers');
    await source.createDatabase('crm');
    await source.query('CREATE TABLE contacts (id int PRIMARY KEY)', [], 'crm');
    await source.query('ALTER TABLE contacts OWNER TO app_owner', [], 'crm');
    const r = await runCli(['backup', '--all-databases', '--db', source.url('postgres'), '--to', servers, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const set = JSON.parse(r.stdout) as { group: string; databases: string[]; backups: { database: string; key: string; globals: string | null }[]; failures: unknown[] };
    expect(set.group).toMatch(/^set_\d{8}_\d{6}_[0-9a-f]{6}$/);
    expect(set.databases).toEqual(['crm', 'postgres', 'shop']);
    expect(set.failures).toEqual([]);
    expect(set.backups.filter((b) => b.globals !== null)).toHaveLength(1);
    for (const b of set.backups) expect((await manifestOf(b.key)).group).toEqual({ id: set.group, size: 3 });

    const listed = await runCli(['list', '--to', servers, '--json'], env);
    expect((JSON.parse(listed.stdout) as { group?: { id: string } }[]).filter((e) => e.group?.id === set.group)).toHaveLength(3);
    const text = await runCli(['list', '--to', servers], env);
    expect(text.stdout).toContain(`${set.group}  3 of 3 databases: crm, postgres, shop`);

    const fresh = await startCluster({ major: 15 });
    try {
      // --jobs reaches each database's restore (pg_restore -j 2, owners and privileges kept).
      const restored = await runCli(['restore', '--group', set.group, '--server', fresh.url('postgres'), '--to', servers, '--jobs', '2'], env);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stdout).toMatch(/^Created roles: .*app_owner/m);
      expect(restored.stderr).toContain('"postgres" was not restored');
      const [crm] = await fresh.query<{ owner: string }>("SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'contacts'", [], 'crm');
      expect(crm?.owner).toBe('app_owner');
      const [shop] = await fresh.query<{ owner: string; n: string }>("SELECT (SELECT tableowner FROM pg_tables WHERE tablename = 'orders') AS owner, (SELECT count(*) FROM app.orders)::text AS n", [], 'shop');
      expect(shop).toEqual({ owner: 'app_owner', n: '100' });
      // Restoring the same set again changes nothing: its databases exist now, found before anything is done.
      const before = await serverState(fresh);
      const again = await runCli(['restore', '--group', set.group, '--server', fresh.url('postgres'), '--to', servers], env);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/already exists/);
      expect(await serverState(fresh)).toEqual(before);
      // SSH reaches a single restore's --target; a set goes to --server directly, so it is refused, not ignored.
      const viaSsh = await runCli(['restore', '--group', set.group, '--server', fresh.url('postgres'), '--to', servers, '--ssh', 'me@bastion.invalid'], env);
      expect(viaSsh.code).not.toBe(0);
      expect(viaSsh.stderr).toContain('--ssh do not apply; drop them');
      expect(await serverState(fresh)).toEqual(before);
    } finally {
      await fresh.stop();
    }
  });
});
