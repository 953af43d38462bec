// Reaching production through SSH, against a real OpenSSH server on loopback and a PostgreSQL that
// listens on no TCP address at all: the only way in is the tunnel Lifeboat opens through sshd.
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runExtract } from '../../electron/engine/extract/run-extract.js';
import { parsePgConnection, type PgConnection } from '../../electron/engine/pg/connection.js';
import type { SshRoute } from '../../electron/engine/ssh/ssh-route.js';
import { runVerify } from '../../electron/engine/verify/run-verify.js';
import { runCli } from '../support/cli.js';
import { freshMachine, readKeychainEntry, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { makeKeyPair, startSshd, type Sshd } from '../support/sshd.js';

const execFileAsync = promisify(execFile);

let sshd: Sshd;
let pg: PgCluster;
let work: string;

async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/** Every session sshd forked for a tunnel has ended (the tunnel closed on the server's side too). */
async function expectNoSession(): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await sshd.sessionPids()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(await sshd.sessionPids()).toEqual([]);
}

function listeners(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
}

/** No listening socket left in this process beyond `before` (a closed handle leaves the list on a later tick). */
async function expectListeners(before: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (listeners() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(listeners()).toBeLessThanOrEqual(before);
}

function route(over: Partial<SshRoute> = {}): SshRoute {
  const key = sshd.clientKey.privateKey;
  return { user: sshd.user, host: '127.0.0.1', port: sshd.port, auth: { kind: 'key', privateKey: () => key }, hostCheck: { kind: 'fingerprint', fingerprint: sshd.hostKey.fingerprint }, ...over };
}

function through(url: string, r: SshRoute = route()): PgConnection {
  return { ...parsePgConnection(url), ssh: r };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-ssh-test-'));
  [sshd, pg] = await Promise.all([startSshd(), startCluster({ tcp: false })]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY, customer int, note text); INSERT INTO orders SELECT g, g % 7, repeat(\'x\', 50) FROM generate_series(1, 2000) g', [], 'shop');
});

afterAll(async () => {
  await Promise.all([sshd?.stop(), pg?.stop()]);
  await rm(work, { recursive: true, force: true });
});

describe('the database is reachable only through the SSH server', () => {
  it('listens on no TCP address', async () => {
    expect((await pg.query<{ listen_addresses: string }>('SHOW listen_addresses'))[0]?.listen_addresses).toBe('');
    expect(pg.url('shop')).toContain(`host=${encodeURIComponent(pg.socketDir)}`);
  });
});

describe('a profile that goes through SSH (CLI, keychain)', () => {
  let env: TestEnv;
  let vault: string;
  let knownHosts: string;

  beforeAll(async () => {
    env = await freshMachine();
    vault = path.join(work, 'vault');
    knownHosts = path.join(work, 'known_hosts');
    // A hashed entry (HashKnownHosts yes), as Debian's ssh writes them.
    await writeFile(knownHosts, `${sshd.knownHostsLine}\n`);
    await execFileAsync('ssh-keygen', ['-H', '-f', knownHosts]);
  });

  it('stores the private key in the keychain only, and backs up through the tunnel', async () => {
    const add = await runCli(['profile', 'add', 'prod', '--db', pg.url('shop'), '--to', `file://${vault}`, '--ssh', sshd.destination, '--ssh-identity', sshd.clientKey.privateKeyPath, '--ssh-known-hosts', knownHosts], env);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(`through ssh: ${sshd.destination}, logging in with private key in the keychain (not shown)`);
    expect(await readKeychainEntry(env, 'profile/prod/ssh-identity')).toBe(sshd.clientKey.privateKey);
    const config = await readFile(path.join(env.LIFEBOAT_HOME, 'config.json'), 'utf8');
    expect(config).not.toContain('PRIVATE KEY');
    expect(config).not.toContain(sshd.clientKey.privateKeyPath);
    expect((await readFile(knownHosts, 'utf8')).startsWith('|1|')).toBe(true);

    const backup = await runCli(['backup', '--profile', 'prod', '--json'], env);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const { key } = JSON.parse(backup.stdout) as { key: string };
    expect(key).toMatch(/^database_backups\/.*\/shop_\d{8}_\d{6}\.dump$/);
    expect((await filesUnder(vault)).some((f) => f.endsWith(key))).toBe(true);
    await expectNoSession();

    // Nothing the user can read afterwards holds the key: the activity log, the config, the output.
    const logged = (await filesUnder(env.LIFEBOAT_HOME)).filter((f) => !f.includes('keyring'));
    for (const f of logged) expect(await readFile(f, 'utf8')).not.toContain(sshd.clientKey.privateKey.split('\n')[1]);
  });

  it('restores into a target through the tunnel (ad-hoc options, hashed known_hosts)', async () => {
    await pg.createDatabase('restored');
    const list = await runCli(['list', '--to', `file://${vault}`, '--json'], env);
    const key = (JSON.parse(list.stdout) as { key: string }[])[0]?.key ?? '';
    const r = await runCli(['restore', '--to', `file://${vault}`, '--key', key, '--target', pg.url('restored'), '--ssh', sshd.destination, '--ssh-identity', sshd.clientKey.privateKeyPath, '--ssh-known-hosts', knownHosts], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Restored');
    expect((await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM orders', [], 'restored'))[0]?.n).toBe('2000');
    await expectNoSession();
  });

  it('stops on a changed host key, names the key it saw, and writes nothing', async () => {
    const impostor = await makeKeyPair(work, 'impostor');
    const [type, blob] = impostor.publicKey.split(' ');
    const wrongHosts = path.join(work, 'known_hosts_changed');
    await writeFile(wrongHosts, `[127.0.0.1]:${sshd.port} ${type} ${blob}\n`);
    expect((await runCli(['profile', 'edit', 'prod', '--ssh-known-hosts', wrongHosts], env)).code).toBe(0);
    const before = await filesUnder(vault);
    const r = await runCli(['backup', '--profile', 'prod'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`offered the ssh-ed25519 key ${sshd.hostKey.fingerprint}, which is NOT the key ${wrongHosts} lists for it`);
    expect(r.stderr).toContain('nothing was sent');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await filesUnder(vault)).toEqual(before);
    await expectNoSession();
  });

  it('stops on an unknown host, with the fingerprint to compare', async () => {
    const empty = path.join(work, 'known_hosts_empty');
    await writeFile(empty, '');
    expect((await runCli(['profile', 'edit', 'prod', '--ssh-known-hosts', empty], env)).code).toBe(0);
    const before = await filesUnder(vault);
    const r = await runCli(['backup', '--profile', 'prod'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`The SSH server ${sshd.destination} is not in ${empty} and offered the ssh-ed25519 key ${sshd.hostKey.fingerprint}`);
    expect(await filesUnder(vault)).toEqual(before);
  });

  it('works with a pinned fingerprint that matches, and stops on one that does not', async () => {
    expect((await runCli(['profile', 'edit', 'prod', '--ssh-host-key', sshd.hostKey.fingerprint], env)).code).toBe(0);
    const ok = await runCli(['backup', '--profile', 'prod', '--json'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);

    const other = await makeKeyPair(work, 'other-host');
    expect((await runCli(['profile', 'edit', 'prod', '--ssh-host-key', other.fingerprint], env)).code).toBe(0);
    const before = await filesUnder(vault);
    const r = await runCli(['backup', '--profile', 'prod'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`offered the ssh-ed25519 key ${sshd.hostKey.fingerprint}, not the pinned fingerprint ${other.fingerprint}`);
    expect(await filesUnder(vault)).toEqual(before);
    await expectNoSession();
  });

  it('says so when the server refuses the key', async () => {
    const stranger = await makeKeyPair(work, 'stranger');
    expect((await runCli(['profile', 'edit', 'prod', '--ssh-identity', stranger.privateKeyPath, '--ssh-host-key', sshd.hostKey.fingerprint], env)).code).toBe(0);
    const before = await filesUnder(vault);
    const r = await runCli(['backup', '--profile', 'prod'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`The SSH server ${sshd.destination} refused to log in ${sshd.user} with the private key stored for this profile`);
    expect(r.stderr).not.toContain('PRIVATE KEY');
    expect(await filesUnder(vault)).toEqual(before);
  });

  it('logs in with the running SSH agent instead of a stored key', async () => {
    const sock = path.join(work, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !(await readdir(work)).includes('agent.sock')) await new Promise((r) => setTimeout(r, 50));
      await execFileAsync('ssh-add', [sshd.clientKey.privateKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      const edit = await runCli(['profile', 'edit', 'prod', '--ssh-agent'], env);
      expect(edit.code).toBe(0);
      expect(edit.stdout).toContain('logging in with the running SSH agent');
      expect(await readKeychainEntry(env, 'profile/prod/ssh-identity')).toBeNull();
      const ok = await runCli(['backup', '--profile', 'prod', '--json'], { ...env, SSH_AUTH_SOCK: sock });
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      const none = await runCli(['backup', '--profile', 'prod'], { ...env, SSH_AUTH_SOCK: '' });
      expect(none.code).not.toBe(0);
      expect(none.stderr).toContain('No SSH agent is running here (SSH_AUTH_SOCK is not set)');
    } finally {
      agent.kill();
    }
    await expectNoSession();
  });

  it('refuses bad SSH input with one sentence and changes nothing', async () => {
    const config = await readFile(path.join(env.LIFEBOAT_HOME, 'config.json'), 'utf8');
    const cases: [string[], string][] = [
      [['--ssh', 'bastion.example.com'], 'is not an SSH destination; write it as user@host or user@host:port'],
      [['--ssh', 'me@host:99999', '--ssh-agent'], 'is not an SSH destination'],
      [['--ssh-host-key', 'MD5:aa:bb'], 'is not an SSH host key fingerprint'],
      [['--ssh-identity', `${sshd.clientKey.privateKeyPath}.pub`], 'holds a public key; give the private key file'],
      [['--ssh-identity', path.join(work, 'missing')], 'Could not read the SSH private key'],
      [['--ssh-agent', '--ssh-identity', sshd.clientKey.privateKeyPath], 'Give either --ssh-identity FILE or --ssh-agent, not both.'],
      [['--ssh-known-hosts', knownHosts, '--ssh-host-key', sshd.hostKey.fingerprint], 'Give either a known_hosts file or a pinned host key fingerprint, not both'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['profile', 'edit', 'prod', ...args], env);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const locked = await makeKeyPair(work, 'locked', { passphrase: 'open sesame' });
    const r = await runCli(['profile', 'add', 'other', '--ssh', sshd.destination, '--ssh-identity', locked.privateKeyPath], env);
    expect(r.stderr).toContain('is protected by a passphrase; add it to your SSH agent');
    const noLogin = await runCli(['profile', 'add', 'other', '--ssh', sshd.destination], env);
    expect(noLogin.stderr).toContain('Say how to log in to the SSH server');
    expect(await readFile(path.join(env.LIFEBOAT_HOME, 'config.json'), 'utf8')).toBe(config);
  });

  it('asks for the key again when the profile moves to another SSH server', async () => {
    expect((await runCli(['profile', 'edit', 'prod', '--ssh-identity', sshd.clientKey.privateKeyPath], env)).code).toBe(0);
    const r = await runCli(['profile', 'edit', 'prod', '--ssh', 'someone@elsewhere.example:2222'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`The stored SSH key is only used for ${sshd.destination}`);
    const removed = await runCli(['profile', 'edit', 'prod', '--no-ssh'], env);
    expect(removed.code).toBe(0);
    expect(removed.stdout).not.toContain('through ssh');
    expect(await readKeychainEntry(env, 'profile/prod/ssh-identity')).toBeNull();
  });
});

describe('every engine operation through the tunnel (in-process)', () => {
  it('backs up with pg_dump connecting to the forwarded port: no key on its command line or in its environment, no listener left', async () => {
    const vault = path.join(work, 'vault-engine');
    const bin = path.join(work, 'bin');
    const record = path.join(work, 'pg_dump.record');
    await rm(bin, { recursive: true, force: true });
    await execFileAsync('mkdir', ['-p', bin]);
    // A pg_dump that records its own /proc/self/cmdline and environment, then is the real one.
    await writeFile(path.join(bin, 'pg_dump'), `#!/bin/sh\ntr '\\0' '\\n' < /proc/$$/cmdline >> ${record}\nenv >> ${record}\nexec /usr/lib/postgresql/15/bin/pg_dump "$@"\n`);
    await chmod(path.join(bin, 'pg_dump'), 0o755);
    const before = listeners();
    const r = await runBackup({ db: through(pg.url('shop')), to: `file://${vault}`, pgBinDir: bin, now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) });
    expect(r.key).toBe('database_backups/2026/01/02/shop_20260102_030405.dump');
    expect(r.manifest.tables.find((t) => t.name === 'orders')?.rows).toBe(2000);
    await expectListeners(before);
    const seen = await readFile(record, 'utf8');
    expect(seen).toMatch(/--dbname=postgresql:\/\/postgres@127\.0\.0\.1:\d+\/shop/);
    expect(seen).not.toContain(pg.socketDir);
    expect(seen).not.toContain('PRIVATE KEY');
    expect(seen).not.toContain(sshd.clientKey.privateKey.split('\n')[1]);
    await expectNoSession();
  });

  it('verifies deep and extracts rows on a server reached through SSH, and the tunnel ends with the job', async () => {
    const vault = path.join(work, 'vault-engine');
    const before = listeners();
    const record = await runVerify({ to: `file://${vault}`, latest: true, deep: true, server: through(pg.url('postgres')) });
    expect(record.problem).toBeNull();
    expect(record.outcome).toBe('passed');
    expect(record.checks.tables.find((t) => t.name === 'orders')?.actual).toBe(2000);
    const rows = await runExtract({ to: `file://${vault}`, latest: true, server: through(pg.url('postgres')), table: 'orders', where: 'id <= 3' });
    expect(rows.rows).toHaveLength(3);
    expect(rows.keptUrl).toBeNull();
    await expectListeners(before);
    const left = await pg.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_%'");
    expect(left).toEqual([]);
    await expectNoSession();
  });

  it('closes the tunnel when the job is cancelled', async () => {
    const vault = path.join(work, 'vault-cancel');
    const controller = new AbortController();
    const before = listeners();
    const job = runBackup({ db: through(pg.url('shop')), to: `file://${vault}`, signal: controller.signal, onProgress: (p) => (p.phase === 'dumping' ? controller.abort() : undefined) });
    await expect(job).rejects.toMatchObject({ code: 'CANCELLED' });
    await expectListeners(before);
    expect((await filesUnder(vault)).filter((f) => !f.endsWith('.tmp'))).toEqual([]);
    await expectNoSession();
  });

  it('says when the SSH server cannot reach the database', async () => {
    const wrong = `postgresql://postgres@/shop?host=${encodeURIComponent(path.join(work, 'no-such-dir'))}&port=5432`;
    await expect(runBackup({ db: through(wrong), to: `file://${path.join(work, 'vault-x')}` })).rejects.toMatchObject({ code: 'SSH_FORWARD_FAILED', message: expect.stringContaining(`could not connect to the database at ${path.join(work, 'no-such-dir')}/.s.PGSQL.5432`) as unknown });
    expect(await filesUnder(path.join(work, 'vault-x'))).toEqual([]);
    await expectNoSession();
  });
});
