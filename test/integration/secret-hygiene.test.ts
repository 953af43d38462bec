// Plants known secrets, runs backups (succeeding and failing), list, show and decrypt, then
// searches everything Lifeboat wrote and printed for them: the config file, manifests, local
// backups, the S3 server's files, stdout and stderr, and the pg_dump command lines.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { freshMachine, readKeychainEntry, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const tag = randomBytes(4).toString('hex');
const DB_PASSWORD = `Hyg:DB/pw@${tag}%`;
const WRONG_PASSWORD = `Hyg-wrong-${tag}`;
const S3_ACCESS_KEY_ID = `HYGAKID${tag.toUpperCase()}`;
const S3_SECRET = `Hyg-S3-secret-${tag}`;

let pg: PgCluster;
let s3: S3Server;
let machine: TestEnv;
let toolLog: string;
let pgBin: string;
const printed: { what: string; out: CliResult }[] = [];

async function cli(what: string, args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const out = await runCli(['--pg-bin', pgBin, ...args], { ...machine, ...extraEnv }, input);
  printed.push({ what, out });
  return out;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

beforeAll(async () => {
  [pg, s3, machine] = await Promise.all([
    startCluster({ major: 15, password: DB_PASSWORD }),
    startS3Server({ accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET }),
    freshMachine(),
  ]);
  await pg.createDatabase('payroll');
  await pg.query(`CREATE TABLE salaries (id int, amount int); INSERT INTO salaries SELECT g, g * 100 FROM generate_series(1, 500) g`, [], 'payroll');
  await s3.createBucket('hygiene');
  // A pg_dump that records its command line and whether a password came through the environment.
  const side = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-hygiene-tools-'));
  pgBin = path.join(side, 'bin');
  toolLog = path.join(side, 'argv.log');
  await (await import('node:fs/promises')).mkdir(pgBin);
  for (const tool of ['pg_dump', 'pg_restore']) {
    await writeFile(
      path.join(pgBin, tool),
      `#!/bin/sh\nprintf '${tool} %s PGPASSWORD=%s\\n' "$*" "\${PGPASSWORD:+set}" >> '${toolLog}'\nexec /usr/lib/postgresql/15/bin/${tool} "$@"\n`,
    );
    await chmod(path.join(pgBin, tool), 0o755);
  }
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('secret hygiene', () => {
  it('no secret reaches any file Lifeboat wrote, any message it printed, or pg_dump/pg_restore argv', async () => {
    const dbUrl = (db: string): string => `postgresql://postgres@127.0.0.1:${pg.port}/${db}`;
    const secrets = `${DB_PASSWORD}\n${S3_SECRET}\n`;
    const s3Args = ['--s3-access-key-id', S3_ACCESS_KEY_ID, '--s3-secret-stdin'];
    expect((await cli('add good', ['profile', 'add', 'good', '--db', dbUrl('payroll'), '--password-stdin', '--to', s3.storageUrl('hygiene'), ...s3Args, '--encrypt'], secrets)).code).toBe(0);
    expect((await cli('add local', ['profile', 'add', 'local', '--db', dbUrl('payroll'), '--password-stdin', '--to', `file://${machine.HOME}/local-backups`, '--format', 'plain'], DB_PASSWORD)).code).toBe(0);
    expect((await cli('add badpw', ['profile', 'add', 'badpw', '--db', dbUrl('payroll'), '--password-stdin', '--to', `file://${machine.HOME}/local-backups`], WRONG_PASSWORD)).code).toBe(0);
    expect((await cli('add ghost', ['profile', 'add', 'ghost', '--db', dbUrl('ghost'), '--password-stdin', '--to', s3.storageUrl('hygiene')], DB_PASSWORD)).code).toBe(0);
    expect((await cli('add nobucket', ['profile', 'add', 'nobucket', '--db', dbUrl('payroll'), '--password-stdin', '--to', s3.storageUrl('no-such-bucket'), ...s3Args], secrets)).code).toBe(0);

    // succeeding paths
    const good = await cli('backup good', ['backup', '--profile', 'good', '--json']);
    expect(good.code, good.stderr).toBe(0);
    const key = (JSON.parse(good.stdout) as { key: string }).key;
    expect(key).toMatch(/\.dump\.enc$/);
    expect((await cli('backup local', ['--verbose', 'backup', '--profile', 'local'])).code).toBe(0);
    expect((await cli('list', ['list', '--profile', 'good', '--json'])).code).toBe(0);
    for (const p of ['good', 'local', 'badpw', 'nobucket']) expect((await cli(`show ${p}`, ['profile', 'show', p])).code).toBe(0);
    expect((await cli('decrypt', ['decrypt', '--profile', 'good', '--key', key, '--out', path.join(machine.HOME, 'plain.dump')])).code).toBe(0);

    // restore, extract and verify of the encrypted backup (the target server's password from PGPASSWORD)
    const server = `postgresql://postgres@127.0.0.1:${pg.port}/postgres`;
    const withPw = { PGPASSWORD: DB_PASSWORD };
    const restored = await cli('restore', ['restore', '--profile', 'good', '--key', key, '--target', dbUrl('payroll_copy'), '--create'], undefined, withPw);
    expect(restored.code, restored.stderr).toBe(0);
    expect((await cli('verify deep', ['verify', '--profile', 'good', '--key', key, '--deep', '--server', server], undefined, withPw)).code).toBe(0);
    expect((await cli('extract', ['extract', '--profile', 'good', '--key', key, '--server', server, '--table', 'public.salaries', '--where', 'id < 3', '--format', 'csv'], undefined, withPw)).code).toBe(0);
    const badRestore = await cli('restore wrong pw', ['--verbose', 'restore', '--profile', 'good', '--key', key, '--target', dbUrl('payroll_copy2'), '--create'], undefined, { PGPASSWORD: WRONG_PASSWORD });
    expect(badRestore.code).toBe(1);
    const badVerify = await cli('verify wrong pw', ['--verbose', 'verify', '--profile', 'good', '--key', key, '--deep', '--server', server], undefined, { PGPASSWORD: WRONG_PASSWORD });
    expect(badVerify.code).not.toBe(0);

    // failing paths, with stack traces on
    const badpw = await cli('backup badpw', ['--verbose', 'backup', '--profile', 'badpw']);
    expect(badpw.code).toBe(1);
    expect(badpw.stderr).toMatch(/password authentication failed|authentication/i);
    const ghost = await cli('backup ghost', ['--verbose', 'backup', '--profile', 'ghost']);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/ghost/);
    const nobucket = await cli('backup nobucket', ['--verbose', 'backup', '--profile', 'nobucket']);
    expect(nobucket.code).toBe(1);
    expect(nobucket.stderr).toMatch(/no-such-bucket/);
    const decryptFail = await cli('decrypt missing', ['--verbose', 'decrypt', '--profile', 'good', '--key', `${key}.nope`, '--out', path.join(machine.HOME, 'nope.dump')]);
    expect(decryptFail.code).toBe(1);

    // The encryption key too: its bytes in the forms they are kept and exported.
    const keyId = /lbk_[0-9a-f]{16}/.exec(printed.find((p) => p.what === 'add good')?.out.stderr ?? '')?.[0] ?? '';
    const keyB64 = (await readKeychainEntry(machine, `encryption-key/${keyId}`)) ?? '';
    expect(keyB64.length).toBeGreaterThan(40);
    const keyBytes = Buffer.from(keyB64, 'base64');
    const planted = [DB_PASSWORD, encodeURIComponent(DB_PASSWORD), WRONG_PASSWORD, S3_SECRET, S3_ACCESS_KEY_ID, keyB64, keyBytes.toString('hex'), keyBytes.toString('hex').toUpperCase()];

    // every file under the test's HOME (LIFEBOAT_HOME, XDG dirs, local backups and manifests) and every object in the bucket
    const files: string[] = [];
    for await (const f of walk(machine.HOME)) files.push(f);
    const objects = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-hygiene-objects-'));
    for (const key of await s3.listKeys('hygiene')) {
      const body = await (await s3.client.send(new GetObjectCommand({ Bucket: 'hygiene', Key: key }))).Body!.transformToByteArray();
      const file = path.join(objects, key.replaceAll('/', '__'));
      await writeFile(file, body);
      files.push(file);
    }
    expect(files.some((f) => f.endsWith('config.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('.sql.gz.manifest.json'))).toBe(true);
    expect(files.filter((f) => f.includes('.dump.enc')).length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = await readFile(f);
      for (const s of planted) expect(bytes.includes(Buffer.from(s)), `${s} in ${f}`).toBe(false);
      expect(bytes.includes(keyBytes), `raw key bytes in ${f}`).toBe(false);
      if (f.endsWith('config.json')) expect((await stat(f)).mode & 0o077, 'config.json is private to its user').toBe(0);
    }
    for (const { what, out } of printed) {
      for (const s of planted) {
        expect(out.stdout.includes(s), `${what} stdout`).toBe(false);
        expect(out.stderr.includes(s), `${what} stderr`).toBe(false);
      }
    }

    // pg_dump got the password through its environment, never on its command line
    const argv = await readFile(toolLog, 'utf8');
    const dumps = argv.split('\n').filter((l) => l.startsWith('pg_dump ') && l.includes('--format'));
    expect(dumps.length).toBeGreaterThanOrEqual(2);
    for (const l of dumps) expect(l).toMatch(/PGPASSWORD=set$/);
    // pg_restore ran too (restore, verify --deep, extract), also without a secret on its command line
    const restores = argv.split('\n').filter((l) => l.startsWith('pg_restore ') && l.includes('--dbname'));
    expect(restores.length).toBeGreaterThanOrEqual(3);
    for (const l of restores) expect(l).toMatch(/PGPASSWORD=set$/);
    for (const s of planted) expect(argv.includes(s)).toBe(false);
    // About twenty CLI runs in one test (each starting Node, some pg_dump or pg_restore): more than
    // the default allowance on a loaded 2-core machine.
  }, 360_000);
});
