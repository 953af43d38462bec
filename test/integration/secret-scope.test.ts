// A stored password only ever goes to the host, port and user it was saved for, and S3 keys only
// to their endpoint. A fake PostgreSQL server on loopback that asks for a cleartext password
// records whatever it receives: after each attempt to steer a stored password to it, nothing.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { EventHub } from '../../electron/app-service/event-sink.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runCli } from '../support/cli.js';
import { startFakePgServer, type FakePgServer } from '../support/fake-pg-server.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';

const SECRET = 'St0red-Only-For-The-Real-Server';
let pg: PgCluster;
let fake: FakePgServer;
let machine: TestEnv;
let service: AppService;
let storageUrl = '';

// No ambient password may stand in for the stored one (the fake server would record it too).
const cleanEnv = (): NodeJS.ProcessEnv => {
  const { PGPASSWORD: _pw, PGPASSFILE: _pf, ...rest } = process.env;
  return { ...rest, ...machine };
};
const realUrl = () => `postgresql://postgres@127.0.0.1:${pg.port}/shop`;
const fakeUrl = (user = 'postgres') => `postgresql://${user}@127.0.0.1:${fake.port}/shop`;

beforeAll(async () => {
  [pg, fake, machine] = await Promise.all([startCluster({ major: 15, password: SECRET }), startFakePgServer(), freshMachine()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1)', [], 'shop');
  storageUrl = pathToFileURL(await mkdtemp(path.join(os.tmpdir(), 'lifeboat-scope-'))).href;
  await runBackup({ db: `postgresql://postgres:${encodeURIComponent(SECRET)}@127.0.0.1:${pg.port}/shop`, to: storageUrl, env: cleanEnv() });
  service = createAppService({ emit: new EventHub().emit, shell: 'web', env: cleanEnv() });
  const saved = await dispatchCall(service, 'targets.save', { name: 'prod', dbUrl: realUrl(), password: SECRET, storageUrl });
  expect(saved).toMatchObject({ ok: true, value: { hasPassword: true } });
});

afterAll(async () => {
  await service?.shutdown();
  await Promise.all([pg?.stop(), fake?.close()]);
});

describe('a stored database password', () => {
  it('is used for its own server (the fake server is a working probe: it records what it is sent)', async () => {
    const ok = await dispatchCall(service, 'connection.test', { targetId: 'prod', dbUrl: realUrl() });
    expect(ok).toMatchObject({ ok: true });
    const typed = await dispatchCall(service, 'connection.test', { targetId: 'prod', dbUrl: fakeUrl(), password: 'typed-by-the-user' });
    expect(typed.ok).toBe(false);
    expect(fake.connections.at(-1)).toEqual({ user: 'postgres', password: 'typed-by-the-user' });
    fake.connections.length = 0;
  });

  it('is not sent by connection.test to another host, port or user: the caller is asked for it', async () => {
    for (const dbUrl of [fakeUrl(), fakeUrl('mallory'), `postgresql://mallory@127.0.0.1:${pg.port}/shop`]) {
      const r = await dispatchCall(service, 'connection.test', { targetId: 'prod', dbUrl });
      // In the app's words (its Password field), with the way out as data; never a CLI flag.
      expect(r, dbUrl).toMatchObject({ ok: false, error: { code: 'PASSWORD_REQUIRED', hint: { kind: 'enter-password' }, message: expect.stringMatching(/only sent to postgres@127\.0\.0\.1:\d+, where it was saved for.*Type the password in the Password field\.$/) as unknown } });
    }
    expect(fake.connections).toEqual([]);
    expect(fake.received()).not.toContain(SECRET);
  });

  it('is not kept when the app edits the target to another server; the target stays as it was', async () => {
    const r = await dispatchCall(service, 'targets.save', { id: 'prod', name: 'prod', dbUrl: fakeUrl(), storageUrl });
    expect(r).toMatchObject({ ok: false, error: { code: 'PASSWORD_REQUIRED' } });
    expect((await service.targets.get('prod')).dbUrl).toBe(realUrl());
    const backup = await dispatchCall(service, 'backups.list', { targetId: 'prod' });
    expect(backup.ok).toBe(true);
    expect(fake.connections).toEqual([]);
  });

  it('is not sent by restore.review to a destination on another server', async () => {
    const r = await dispatchCall(service, 'restore.review', { targetId: 'prod', backup: { kind: 'latest' }, destination: { kind: 'database', dbUrl: fakeUrl(), mode: 'create' } });
    expect(r.ok).toBe(false);
    // pg answers the server's request with an empty password: the caller gave none, and the stored one stays home.
    expect(fake.connections.map((c) => c.password ?? '')).toEqual(fake.connections.map(() => ''));
    expect(fake.received()).not.toContain(SECRET);
    fake.connections.length = 0;
  });

  it('is not kept by `lifeboat profile edit --db` to another server, and the profile is unchanged', async () => {
    const edit = await runCli(['profile', 'edit', 'prod', '--db', fakeUrl()], cleanEnv());
    expect(edit.code).not.toBe(0);
    expect(edit.stderr).toMatch(/only sent to postgres@127\.0\.0\.1:\d+.*--password-stdin/);
    expect(await readFile(path.join(machine.LIFEBOAT_HOME, 'config.json'), 'utf8')).toContain(realUrl());
    const backup = await runCli(['backup', '--profile', 'prod'], cleanEnv());
    expect(backup.code).toBe(0);
    expect(fake.connections).toEqual([]);
    // With the password given again, the edit is accepted.
    expect((await runCli(['profile', 'edit', 'prod', '--db', fakeUrl(), '--password-stdin'], cleanEnv(), 'a-new-one\n')).code).toBe(0);
  });
});

describe('stored S3 keys', () => {
  it('are not kept when the endpoint changes (CLI and app)', async () => {
    const add = await runCli(['profile', 'add', 's3prof', '--to', 's3://team-backups?endpoint=http://127.0.0.1:9', '--s3-access-key-id', 'AKIDKEEP', '--s3-secret-stdin'], cleanEnv(), 's3-Secret-Keep\n');
    expect(add.code).toBe(0);
    const edit = await runCli(['profile', 'edit', 's3prof', '--to', 's3://team-backups?endpoint=http://attacker.example:9000'], cleanEnv());
    expect(edit.code).not.toBe(0);
    expect(edit.stderr).toMatch(/stored S3 keys are only sent to http:\/\/127\.0\.0\.1:9.*--s3-access-key-id ID --s3-secret-stdin/);
    // Another bucket at the same endpoint is fine; a local folder does not use them at all.
    expect((await runCli(['profile', 'edit', 's3prof', '--to', 's3://other-backups?endpoint=http://127.0.0.1:9'], cleanEnv())).code).toBe(0);
    const app = await dispatchCall(service, 'targets.save', { id: 's3prof', name: 's3prof', dbUrl: realUrl(), storageUrl: 's3://team-backups?endpoint=https://attacker.example' });
    expect(app).toMatchObject({ ok: false, error: { code: 'S3_CREDENTIALS_REQUIRED' } });
  });
});

describe('storage URLs with credentials inside', () => {
  it('are refused with where keys go, and never stored or echoed', async () => {
    for (const url of ['s3://b-1?endpoint=https://AKIDINURL:SeCrEtInUrL@minio.example:9000', 's3://b-1?endpoint=https%3A%2F%2FAKIDINURL%3ASeCrEtInUrL%40minio.example', 's3://AKIDINURL:SeCrEtInUrL@b-1']) {
      const r = await runCli(['profile', 'add', 'leaky', '--to', url], cleanEnv());
      expect(r.code, url).not.toBe(0);
      expect(r.stderr).toMatch(/holds credentials .* keep S3 keys in the keychain \(lifeboat profile add\/edit --s3-access-key-id ID --s3-secret-stdin.*AWS_SECRET_ACCESS_KEY/);
      expect(r.stderr + r.stdout).not.toContain('SeCrEtInUrL');
      const listed = await runCli(['list', '--to', url], cleanEnv());
      expect(listed.code).not.toBe(0);
      expect(listed.stderr).not.toContain('SeCrEtInUrL');
      const app = await dispatchCall(service, 'storage.test', { storageUrl: url });
      expect(app).toMatchObject({ ok: false, error: { code: 'BAD_STORAGE_URL' } });
      expect(JSON.stringify(app)).not.toContain('SeCrEtInUrL');
    }
    expect(await readFile(path.join(machine.LIFEBOAT_HOME, 'config.json'), 'utf8')).not.toContain('SeCrEtInUrL');
    const viaEnv = await runCli(['list', '--to', 's3://b-1'], { ...cleanEnv(), AWS_ENDPOINT_URL: 'https://AKIDINURL:SeCrEtInUrL@minio.example' });
    expect(viaEnv.stderr).toMatch(/The S3 endpoint from AWS_ENDPOINT_URL_S3\/AWS_ENDPOINT_URL holds credentials/);
    expect(viaEnv.stderr).not.toContain('SeCrEtInUrL');
  });
});
