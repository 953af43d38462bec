import { execFile } from 'node:child_process';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../shared/profile.js';
import { runCli } from '../support/cli.js';
import { NO_KEYCHAIN_ENV, freshMachine, readKeychainEntry } from '../support/keychain.js';

const execFileAsync = promisify(execFile);
const S3_URL = 's3://team-backups/prod?endpoint=http%3A%2F%2F127.0.0.1%3A9%2F&region=eu-west-1';

describe('profiles in the config file, secrets in the OS keychain', () => {
  it('saves secrets in the real Secret Service and none in the config file', async () => {
    const env = await freshMachine();
    const add = await runCli(
      ['profile', 'add', 'prod', '--db', 'postgresql://app@db.example:5432/shop?sslmode=require', '--password-stdin', '--to', S3_URL, '--s3-access-key-id', 'AKIAPLANTED', '--s3-secret-stdin', '--sse', 'aws:kms', '--sse-kms-key-id', 'alias/backups'],
      env,
      'db-pass-Zq81!\ns3-secret-Kx99/\n',
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('password:    in the keychain (not shown)');
    expect(add.stdout).not.toContain('db-pass-Zq81!');

    // Straight from the Secret Service, bypassing Lifeboat, and with the desktop tool as well.
    expect(await readKeychainEntry(env, 'profile/prod/db-password')).toBe('db-pass-Zq81!');
    expect(await readKeychainEntry(env, 'profile/prod/s3-secret-access-key')).toBe('s3-secret-Kx99/');
    const { stdout: viaTool } = await execFileAsync('secret-tool', ['lookup', 'service', env.LIFEBOAT_KEYCHAIN_SERVICE, 'username', 'profile/prod/s3-access-key-id']);
    expect(viaTool).toBe('AKIAPLANTED');

    const text = await readFile(path.join(env.LIFEBOAT_HOME, 'config.json'), 'utf8');
    for (const secret of ['db-pass-Zq81!', 's3-secret-Kx99/', 'AKIAPLANTED']) expect(text).not.toContain(secret);
    const config = configSchema.parse(JSON.parse(text));
    expect(config.schemaVersion).toBe(1);
    expect(config.profiles[0]).toMatchObject({
      name: 'prod',
      database: { url: 'postgresql://app@db.example:5432/shop?sslmode=require', passwordInKeychain: true },
      storage: { url: S3_URL, credentialsInKeychain: true, serverSideEncryption: { mode: 'aws:kms', kmsKeyId: 'alias/backups' } },
    });

    const show = await runCli(['profile', 'show', 'prod', '--json'], env);
    expect(show.code).toBe(0);
    for (const secret of ['db-pass-Zq81!', 's3-secret-Kx99/', 'AKIAPLANTED']) expect(show.stdout).not.toContain(secret);
    expect((await runCli(['profile', 'list'], env)).stdout).toMatch(/^prod\tpostgresql:\/\/app@db\.example/);

    // edit replaces the password; remove deletes every keychain entry of the profile
    expect((await runCli(['profile', 'edit', 'prod', '--password-stdin', '--format', 'plain'], env, 'second-pass\n')).code).toBe(0);
    expect(await readKeychainEntry(env, 'profile/prod/db-password')).toBe('second-pass');
    expect(configSchema.parse(JSON.parse(await readFile(path.join(env.LIFEBOAT_HOME, 'config.json'), 'utf8'))).profiles[0]?.format).toBe('plain');
    const rm = await runCli(['profile', 'remove', 'prod'], env);
    expect(rm.code).toBe(0);
    expect(await readKeychainEntry(env, 'profile/prod/db-password')).toBeNull();
    expect(await readKeychainEntry(env, 'profile/prod/s3-secret-access-key')).toBeNull();
    expect((await runCli(['profile', 'show', 'prod'], env)).stderr).toContain('There is no profile named "prod"');
    // only the config file remains: no temp files left by the atomic writes
    expect(await readdir(env.LIFEBOAT_HOME)).toEqual(['config.json']);
  });

  it('refuses bad input with one sentence and changes nothing', async () => {
    const env = await freshMachine();
    const withPw = await runCli(['profile', 'add', 'x', '--db', 'postgresql://app:hunter2@h/db'], env);
    expect(withPw.code).toBe(1);
    expect(withPw.stderr).toContain('contains a password; profiles keep it in the keychain');
    expect(withPw.stderr).not.toContain('hunter2');
    expect((await runCli(['profile', 'add', '../evil'], env)).stderr).toContain('is not a usable profile name');
    expect((await runCli(['profile', 'add', 'x', '--encrypt', 'lbk_0000000000000000'], env)).stderr).toContain('There is no encryption key lbk_0000000000000000 in this keychain');
    expect((await runCli(['profile', 'add', 'x', '--password-stdin'], env, '')).stderr).toContain('is empty');
    await expect(readdir(env.LIFEBOAT_HOME)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await runCli(['profile', 'add', 'x'], env)).code).toBe(0);
    expect((await runCli(['profile', 'add', 'x'], env)).stderr).toContain('already exists');
  });

  it('reports a damaged or newer config file clearly and never resets it', async () => {
    const env = await freshMachine();
    await mkdir(env.LIFEBOAT_HOME, { recursive: true });
    const file = path.join(env.LIFEBOAT_HOME, 'config.json');
    for (const [content, expected] of [
      ['{"schemaVersion": 1, "profiles": [', /is damaged \(it is not valid JSON\); Lifeboat left it untouched/],
      ['{"schemaVersion": 1, "profiles": [{"name": "p"}], "keys": []}', /is damaged \(profiles\.0\.database: /],
      ['{"schemaVersion": 7, "profiles": [], "keys": []}', /schema version 7, written by a newer Lifeboat/],
    ] as const) {
      await writeFile(file, content);
      for (const args of [['profile', 'list'], ['profile', 'add', 'new'], ['key', 'create']]) {
        const r = await runCli(args, env);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toMatch(expected);
        expect(await readFile(file, 'utf8')).toBe(content);
      }
    }
  });

  it('without a keychain says how to enable one, never falls back to a file, and env credentials keep working', async () => {
    const env = { ...(await freshMachine()), ...NO_KEYCHAIN_ENV };
    const r = await runCli(['profile', 'add', 'p', '--db', 'postgresql://app@h/db', '--password-stdin'], env, 'nokeychain-pw\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The OS keychain is not available \(Couldn't access platform storage.*\)\. On Linux Lifeboat uses the Secret Service/);
    expect(r.stderr).toContain('PGPASSWORD or ~/.pgpass');
    expect(r.stderr).not.toContain('nokeychain-pw');
    await expect(readdir(env.LIFEBOAT_HOME)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await runCli(['key', 'create'], env)).stderr).toContain('The OS keychain is not available');
    // A profile that keeps no secret works without any keychain (PGPASSWORD / AWS env at run time).
    const plain = await runCli(['profile', 'add', 'p', '--db', 'postgresql://app@h/db', '--to', S3_URL], env);
    expect(plain.code).toBe(0);
    expect((await runCli(['profile', 'show', 'p'], env)).stdout).toContain('none stored (PGPASSWORD or ~/.pgpass)');
  });

  it('a locked keychain is reported as locked, with how to unlock it', async () => {
    // Its own D-Bus session and keyring, locked through the Secret Service API, so the shared test keyring stays unlocked.
    const env = await freshMachine();
    const bin = path.resolve(import.meta.dirname, '../../bin/lifeboat.js');
    const script = [
      'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
      `"${process.execPath}" "${bin}" key create >/dev/null 2>&1`,
      'dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null',
      `"${process.execPath}" "${bin}" key create`,
    ].join('; ');
    const r = await execFileAsync('dbus-run-session', ['--', 'sh', '-c', script], { env: { ...process.env, ...env, DBUS_SESSION_BUS_ADDRESS: '' } }).then(
      () => ({ stderr: 'unexpected success' }),
      (e: { stderr: string }) => e,
    );
    expect(r.stderr).toContain('lifeboat: The OS keychain is locked (');
    expect(r.stderr).toContain('unlock it (log in to the desktop session');
  });
});

describe('encryption keys', () => {
  it('export prints a recovery key that import restores on another machine', async () => {
    const a = await freshMachine();
    const created = await runCli(['key', 'create', '--label', 'prod backups'], a);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^lbk_[0-9a-f]{16}$/);
    expect(created.stderr).toContain(`lifeboat key export ${id}`);
    const stored = await readKeychainEntry(a, `encryption-key/${id}`);
    expect(Buffer.from(stored ?? '', 'base64')).toHaveLength(32);
    const exported = await runCli(['key', 'export', id], a);
    const recovery = exported.stdout.trim();
    expect(recovery).toMatch(/^LBK1(-[0-9A-F]{4}){17}$/);
    expect(exported.stderr).toContain('Keep it offline');
    // The key is in neither the config file nor anywhere else under the home.
    expect(await readFile(path.join(a.LIFEBOAT_HOME, 'config.json'), 'utf8')).not.toContain(stored);

    const b = await freshMachine();
    expect((await runCli(['key', 'export', id], b)).stderr).toContain(`key ${id}, which is not in this keychain`);
    expect((await runCli(['key', 'import'], b, 'LBK1-0000-1111\n')).stderr).toContain('wrong length');
    const imported = await runCli(['key', 'import', '--label', 'from paper'], b, `${recovery}\n`);
    expect(imported.stdout.trim()).toBe(id);
    expect(await readKeychainEntry(b, `encryption-key/${id}`)).toBe(stored);
    const list = JSON.parse((await runCli(['key', 'list', '--json'], b)).stdout) as { id: string; inKeychain: boolean; label: string }[];
    expect(list).toEqual([expect.objectContaining({ id, inKeychain: true, label: 'from paper' })]);
  });
});
