// The app's calls for a database reached through SSH, against a real OpenSSH server on loopback, a
// PostgreSQL 15 that listens on no TCP address (only the tunnel gets in), Ceph RGW as the storage,
// and the real keychain: the form's SSH settings saved as the CLI's profile, the connection test
// with a pinned, an unknown and a changed host key, and restore, partial recovery and the live
// comparison each through a tunnel that ends with them (cancel included).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/progress.js';
import type { BackupDiff, TableRowDiff } from '../../shared/backup-contents.js';
import type { JobView, RestoreReview, RowPreview, TargetView } from '../../shared/ipc-contract.js';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { runCli } from '../support/cli.js';
import { freshMachine, readKeychainEntry, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { makeKeyPair, startSshd, type Sshd } from '../support/sshd.js';

let sshd: Sshd;
let pg: PgCluster;
let s3: S3Server;
let machine: TestEnv;
let service: AppService;
let work: string;
const events: { name: string; payload: unknown }[] = [];
/** Called on every job.progress event (a test cancels from here). */
let onProgress: (p: JobProgress) => void = () => undefined;

const call = async (name: string, request: unknown) => dispatchCall(service, name, request);
async function value<T>(name: string, request: unknown): Promise<T> {
  const r = await call(name, request);
  if (!r.ok) throw new Error(`${name}: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** The database as the SSH server sees it: its unix socket (there is no TCP address to reach). */
const dbUrl = () => `postgresql://postgres@localhost:${pg.port}/shop?host=${encodeURIComponent(pg.socketDir)}`;
const keyLine = () => sshd.clientKey.privateKey.split('\n')[1] ?? 'missing';
const pinned = () => ({ kind: 'fingerprint' as const, fingerprint: sshd.hostKey.fingerprint });

/** Every session sshd forked for a tunnel has ended (the tunnel closed on the server's side too). */
async function expectNoSession(): Promise<void> {
  expect(await sshd.sessionsLeft()).toEqual([]);
}

/** No local listener (a tunnel's port) left open in this process. */
async function expectNoListener(): Promise<void> {
  const count = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
  const deadline = Date.now() + 2000;
  while (count() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(count()).toBe(0);
}

async function tempDatabases(): Promise<string[]> {
  return (await pg.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_%' ORDER BY 1")).map((r) => r.datname);
}

async function settled(job: JobView): Promise<JobView> {
  return service.jobs.settled(job.id);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-app-ssh-'));
  [sshd, pg, s3, machine] = await Promise.all([startSshd(), startCluster({ major: 15, tcp: false }), startS3Server(), freshMachine()]);
  await pg.createDatabase('shop');
  await pg.query("CREATE TABLE orders (id int PRIMARY KEY, customer int, note text); INSERT INTO orders SELECT g, g % 7, repeat('x', 50) FROM generate_series(1, 2000) g", [], 'shop');
  await s3.createBucket('appssh');
  service = createAppService({
    shell: 'web',
    env: { ...process.env, ...machine, ...s3.env },
    emit: (name, payload) => {
      events.push({ name, payload });
      if (name === 'job.progress') onProgress(payload as JobProgress);
    },
  });
});

afterAll(async () => {
  await service?.shutdown();
  await Promise.all([sshd?.stop(), pg?.stop(), s3?.stop()]);
  await rm(work, { recursive: true, force: true });
});

describe('the database form saves SSH settings as the CLI does', () => {
  it('keeps the private key in the keychain only: not in the answer, the events or the config', async () => {
    const saved = await value<TargetView>('targets.save', {
      name: 'prod',
      dbUrl: dbUrl(),
      storageUrl: s3.storageUrl('appssh'),
      ssh: { destination: sshd.destination, privateKey: sshd.clientKey.privateKey, privateKeyName: 'id_ed25519', hostCheck: pinned() },
    });
    expect(saved.ssh).toEqual({ destination: sshd.destination, login: 'key', knownHostsFile: null, hostKeyFingerprint: sshd.hostKey.fingerprint });
    expect(await readKeychainEntry(machine, 'profile/prod/ssh-identity')).toBe(sshd.clientKey.privateKey);
    const config = await readFile(path.join(machine.LIFEBOAT_HOME, 'config.json'), 'utf8');
    expect(config).toContain(`"destination": "${sshd.destination}"`);
    expect(config).not.toContain(keyLine());
    expect(JSON.stringify(await value('targets.list', {}))).not.toContain(keyLine());
    expect(JSON.stringify(events)).not.toContain(keyLine());
  });

  it('the CLI backs up the profile the app saved, through the same SSH server', async () => {
    const env = { ...machine, ...s3.env };
    const show = await runCli(['profile', 'show', 'prod'], env);
    expect(show.stdout).toContain(`through ssh: ${sshd.destination}, logging in with private key in the keychain (not shown)`);
    const backup = await runCli(['backup', '--profile', 'prod', '--json'], env);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const { key } = JSON.parse(backup.stdout) as { key: string };
    expect(await s3.listKeys('appssh')).toContain(key);
    await expectNoSession();
  });

  it('refuses a public key or a passphrase-protected one with one sentence naming the file, and changes nothing', async () => {
    const config = await readFile(path.join(machine.LIFEBOAT_HOME, 'config.json'), 'utf8');
    const locked = await makeKeyPair(work, 'locked', { passphrase: 'open sesame' });
    const cases: [string, string, string][] = [
      [sshd.clientKey.publicKey, 'id_ed25519.pub', 'id_ed25519.pub holds a public key; give the private key file'],
      [locked.privateKey, 'locked', 'The private key in locked is protected by a passphrase; add it to your SSH agent'],
    ];
    for (const [privateKey, privateKeyName, message] of cases) {
      const r = await call('targets.save', { id: 'prod', name: 'prod', dbUrl: dbUrl(), storageUrl: s3.storageUrl('appssh'), ssh: { destination: sshd.destination, privateKey, privateKeyName, hostCheck: pinned() } });
      expect(r).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringContaining(message) as unknown } });
    }
    expect(await call('targets.save', { id: 'prod', name: 'prod', dbUrl: dbUrl(), storageUrl: '', ssh: { destination: sshd.destination, hostCheck: { kind: 'known-hosts', file: 'known_hosts' } } })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('Type the full path of the known_hosts file') as unknown },
    });
    expect(await readFile(path.join(machine.LIFEBOAT_HOME, 'config.json'), 'utf8')).toBe(config);
    expect(await readKeychainEntry(machine, 'profile/prod/ssh-identity')).toBe(sshd.clientKey.privateKey);
  });

  it('editing other fields keeps the saved route and key', async () => {
    const saved = await value<TargetView>('targets.save', { id: 'prod', name: 'prod', dbUrl: dbUrl(), storageUrl: s3.storageUrl('appssh'), copyUrls: [] });
    expect(saved.ssh).toMatchObject({ destination: sshd.destination, login: 'key' });
    expect(await readKeychainEntry(machine, 'profile/prod/ssh-identity')).toBe(sshd.clientKey.privateKey);
  });
});

describe('the connection test goes through the tunnel', () => {
  it('with the pinned host key: the saved key for a saved database, a typed key for one not saved yet', async () => {
    const viaSaved = await value<{ serverVersion: string; database: string }>('connection.test', { dbUrl: dbUrl(), targetId: 'prod', ssh: { destination: sshd.destination, hostCheck: pinned() } });
    expect(viaSaved).toMatchObject({ database: 'shop', serverVersion: expect.stringMatching(/^15\./) as unknown });
    const typed = await value('connection.test', { dbUrl: dbUrl(), ssh: { destination: sshd.destination, privateKey: sshd.clientKey.privateKey, hostCheck: pinned() } });
    expect(typed).toMatchObject({ database: 'shop' });
    // Directly, the URL's "localhost" has no PostgreSQL on TCP: the test really went through SSH.
    expect(await call('connection.test', { dbUrl: `postgresql://postgres@127.0.0.1:${pg.port}/shop`, ssh: null })).toMatchObject({ ok: false });
    await expectNoSession();
    await expectNoListener();
  });

  it('an unknown host key stops it with the fingerprint seen, offered for pinning, and nothing is trusted', async () => {
    const empty = path.join(work, 'known_hosts_empty');
    await writeFile(empty, '');
    const r = await call('connection.test', { dbUrl: dbUrl(), targetId: 'prod', ssh: { destination: sshd.destination, hostCheck: { kind: 'known-hosts', file: empty } } });
    expect(r).toMatchObject({ ok: false, error: { code: 'SSH_HOST_KEY_REFUSED', hint: { kind: 'trust-host-key', fingerprint: sshd.hostKey.fingerprint } } });
    const message = r.ok ? '' : r.error.message;
    expect(message).toContain(`The SSH server ${sshd.destination} is not in ${empty} and offered the ssh-ed25519 key ${sshd.hostKey.fingerprint}; nothing was sent`);
    expect(message).toContain(`pin ${sshd.hostKey.fingerprint} as the host key in the database's SSH settings`);
    expect(message).not.toMatch(/--ssh|lifeboat profile/);
    expect(message.split('\n')).toHaveLength(1);
    expect(await readFile(empty, 'utf8')).toBe('');
    expect((await value<TargetView[]>('targets.list', {}))[0]?.ssh?.hostKeyFingerprint).toBe(sshd.hostKey.fingerprint);
    await expectNoSession();
  });

  it('a changed host key, or one that is not the pinned one, stops it without offering to pin', async () => {
    const impostor = await makeKeyPair(work, 'impostor');
    const changed = path.join(work, 'known_hosts_changed');
    await writeFile(changed, `${sshd.knownHostsLineWith(impostor)}\n`);
    const r = await call('connection.test', { dbUrl: dbUrl(), targetId: 'prod', ssh: { destination: sshd.destination, hostCheck: { kind: 'known-hosts', file: changed } } });
    expect(r).toMatchObject({ ok: false, error: { code: 'SSH_HOST_KEY_REFUSED', message: expect.stringContaining(`which is NOT the key ${changed} lists for it`) as unknown } });
    expect(r.ok ? null : r.error.hint).toBeUndefined();
    const other = await call('connection.test', { dbUrl: dbUrl(), targetId: 'prod', ssh: { destination: sshd.destination, hostCheck: { kind: 'fingerprint', fingerprint: impostor.fingerprint } } });
    expect(other).toMatchObject({ ok: false, error: { code: 'SSH_HOST_KEY_REFUSED', message: expect.stringContaining(`not the pinned fingerprint ${impostor.fingerprint}`) as unknown } });
    expect(other.ok ? null : other.error.hint).toBeUndefined();
    await expectNoSession();
  });

  it('sends the saved key only to the SSH server it was saved for', async () => {
    const r = await call('connection.test', { dbUrl: dbUrl(), targetId: 'prod', ssh: { destination: `someone@127.0.0.1:${sshd.port}`, hostCheck: pinned() } });
    expect(r).toMatchObject({ ok: false, error: { code: 'SSH_IDENTITY_REQUIRED', message: expect.stringContaining(`The saved SSH login is only used for ${sshd.destination}`) as unknown } });
    expect(await sshd.sessionPids()).toEqual([]);
  });
});

describe('restore, partial recovery and the live comparison through SSH', () => {
  let key = '';

  it('backs up from the app through the tunnel', async () => {
    const job = await settled(await value<JobView>('backup.start', { targetId: 'prod' }));
    expect(job).toMatchObject({ state: 'done' });
    key = job.resultKey ?? '';
    expect(await s3.listKeys('appssh')).toContain(key);
    await expectNoSession();
  });

  it('reviews and restores into a temporary database on the server behind the SSH server', async () => {
    const before = await tempDatabases();
    const review = await value<RestoreReview>('restore.review', { targetId: 'prod', backup: { kind: 'key', key }, destination: { kind: 'temp' } });
    expect(review.destination).toMatchObject({ action: 'create-temporary', server: expect.stringContaining(`through SSH ${sshd.destination}`) as unknown });
    await expectNoSession();
    const job = await settled(await value<JobView>('restore.start', { targetId: 'prod', backup: { kind: 'key', key }, destination: { kind: 'temp' }, plannedAt: review.plannedAt }));
    expect(job).toMatchObject({ state: 'done', resultTemporary: true, resultDatabase: review.destination.database });
    // The URL handed back names the database as the SSH server sees it, not the tunnel's port.
    expect(job.resultUrl).toBe(`postgresql://postgres@localhost:${pg.port}/${review.destination.database}?host=${encodeURIComponent(pg.socketDir)}`);
    expect(await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM orders', [], job.resultDatabase!)).toEqual([{ n: '2000' }]);
    expect(await tempDatabases()).toEqual([...before, job.resultDatabase].sort());
    expect(await value('temp.drop', { targetId: 'prod', name: job.resultDatabase })).toEqual({ dropped: true });
    expect(await tempDatabases()).toEqual(before);
    await expectNoSession();
    await expectNoListener();
  });

  it('restores chosen tables, previews rows and drops the temporary database, each through its own tunnel', async () => {
    const job = await settled(await value<JobView>('extract.prepare', { targetId: 'prod', backup: { kind: 'key', key }, tables: ['public.orders'] }));
    expect(job).toMatchObject({ state: 'done', resultTemporary: true });
    const temp = job.resultDatabase!;
    const preview = await value<RowPreview>('extract.preview', { targetId: 'prod', tempDatabase: temp, table: 'public.orders', where: 'id <= 3' });
    expect(preview.rows.map((r) => r[0])).toEqual(['1', '2', '3']);
    expect(await value('temp.drop', { targetId: 'prod', name: temp })).toEqual({ dropped: true });
    expect(await tempDatabases()).not.toContain(temp);
    await expectNoSession();
    await expectNoListener();
  });

  it('"What changed since this backup?" reads the live database through the tunnel', async () => {
    await pg.query('INSERT INTO orders SELECT g, 1, \'new\' FROM generate_series(2001, 2005) g', [], 'shop');
    const diff = await value<BackupDiff>('compare.live', { targetId: 'prod', key });
    expect(diff.after).toBe('live');
    expect(diff.tables.find((t) => t.name === 'orders')).toMatchObject({ change: 'changed', rowsBefore: 2000, rowsAfter: 2005 });
    const rows = await value<TableRowDiff>('compare.rows', { targetId: 'prod', before: key, table: 'public.orders' });
    expect(rows.changes.map((c) => [c.change, c.key[0]])).toEqual([2001, 2002, 2003, 2004, 2005].map((id) => ['added', String(id)]));
    await expectNoSession();
    await expectNoListener();
  });

  it('cancelling a restore closes its tunnel and leaves no database behind', async () => {
    const before = await tempDatabases();
    // Once the restore runs pg_restore, the tunnel is open and the temporary database exists.
    onProgress = (p) => {
      if (p.phase === 'restoring') service.jobs.cancel(p.jobId);
    };
    try {
      const job = await settled(await value<JobView>('restore.start', { targetId: 'prod', backup: { kind: 'key', key }, destination: { kind: 'temp' } }));
      expect(job.state).toBe('cancelled');
    } finally {
      onProgress = () => undefined;
    }
    expect(await tempDatabases()).toEqual(before);
    await expectNoSession();
    await expectNoListener();
  });
});

describe('removing the route is explicit', () => {
  it('ssh: null connects directly again and forgets the stored key; nothing of the key was ever shown', async () => {
    const saved = await value<TargetView>('targets.save', { id: 'prod', name: 'prod', dbUrl: dbUrl(), storageUrl: s3.storageUrl('appssh'), ssh: null });
    expect(saved.ssh).toBeNull();
    expect(await readKeychainEntry(machine, 'profile/prod/ssh-identity')).toBeNull();
    expect((await readFile(path.join(machine.LIFEBOAT_HOME, 'config.json'), 'utf8')).includes('"ssh"')).toBe(false);
    expect(JSON.stringify(events)).not.toContain(keyLine());
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
  });
});

