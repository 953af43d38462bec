import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile, spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { access, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../shared/manifest.js';
import { openBackupPlaintext } from '../../electron/engine/crypto/backup-decryption.js';
import { keychainKeyResolver } from '../../electron/engine/profiles/key-store.js';
import { resolveProfile } from '../../electron/engine/profiles/resolve-profile.js';
import { openStorage } from '../../electron/engine/storage/open-storage.js';
import { runCli } from '../support/cli.js';
import { seedRealisticDatabase } from '../support/fixtures.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { TEST_KMS_KEY_ID } from '../support/rgw.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const execFileAsync = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const DB_PASSWORD = 'enc-test-pw-4v9';

let pg: PgCluster;
let s3: S3Server;
let machine: TestEnv;

async function storedBytes(key: string): Promise<Buffer> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: 'vault', Key: key }));
  return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

beforeAll(async () => {
  [pg, s3, machine] = await Promise.all([startCluster({ major: 15, password: DB_PASSWORD }), startS3Server(), freshMachine()]);
  await pg.createDatabase('shop');
  await seedRealisticDatabase(pg, 'shop', { rows: 3000 });
  await s3.createBucket('vault');
  // Secrets in the keychain, only the S3 server's address in the environment (no AWS_* keys).
  const add = await runCli(
    ['profile', 'add', 'shop', '--db', `postgresql://postgres@127.0.0.1:${pg.port}/shop`, '--password-stdin', '--to', s3.storageUrl('vault', 'prod'), '--s3-access-key-id', s3.accessKeyId, '--s3-secret-stdin', '--sse', 'aws:kms', '--sse-kms-key-id', TEST_KMS_KEY_ID, '--encrypt'],
    machine,
    `${DB_PASSWORD}\n${s3.secretAccessKey}\n`,
  );
  expect(add.stderr).toMatch(/created encryption key lbk_[0-9a-f]{16}/);
  expect(add.code).toBe(0);
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('encrypted backups by profile name', () => {
  let key: string;
  let keyId: string;

  it('backs up with --profile into an .enc object whose manifest names the key and hashes the stored bytes', async () => {
    const r = await runCli(['backup', '--profile', 'shop', '--json'], machine);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { key: string; sha256: string; size: number };
    key = out.key;
    expect(key).toMatch(/^prod\/\d{4}\/\d{2}\/\d{2}\/shop_\d{8}_\d{6}\.dump\.enc$/);
    const bytes = await storedBytes(key);
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('LBOATENC');
    expect(bytes.includes(Buffer.from('PGDMP'))).toBe(false);
    expect(bytes.includes(Buffer.from('customer 1@'))).toBe(false);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(out.sha256);
    const manifest = manifestSchema.parse(JSON.parse((await storedBytes(`${key}.manifest.json`)).toString('utf8')));
    expect(manifest.sizeBytes).toBe(bytes.length);
    expect(manifest.sha256).toBe(out.sha256);
    expect(manifest.encryption).toEqual({ algorithm: 'lifeboat-aes-256-gcm-chunked-v1', keyId: expect.stringMatching(/^lbk_/) });
    keyId = manifest.encryption?.keyId ?? '';
    const list = await runCli(['list', '--profile', 'shop'], machine);
    expect(list.stdout).toContain(key);
    expect(list.stdout).toMatch(/encrypted/);
  });

  it('on a fresh machine: refuses before downloading without the key, then decrypts after import and pg_restore restores it', async () => {
    const recovery = (await runCli(['key', 'export', keyId], machine)).stdout.trim();
    const fresh = { ...(await freshMachine()), ...s3.env };
    const outFile = path.join(fresh.HOME, 'shop.dump');
    const storage = s3.storageUrl('vault', 'prod');

    const missing = await runCli(['decrypt', '--key', key, '--to', storage, '--out', outFile], fresh);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`lifeboat: This backup was encrypted with key ${keyId}, which is not in this keychain. Import it with \`lifeboat key import\` from the recovery key \`lifeboat key export\` printed.\n`);
    await expect(access(outFile)).rejects.toMatchObject({ code: 'ENOENT' });

    expect((await runCli(['key', 'import'], fresh, recovery)).stdout.trim()).toBe(keyId);
    const ok = await runCli(['decrypt', '--key', key, '--to', storage, '--out', outFile], fresh);
    expect(ok.stderr).toMatch(new RegExp(`decrypted \\d+ bytes with key ${keyId}`));
    expect(ok.code).toBe(0);
    expect((await readFile(outFile)).subarray(0, 5).toString('ascii')).toBe('PGDMP');
    expect(await readdir(fresh.HOME)).toContain('shop.dump'); // and no leftover .partial file
    expect((await readdir(fresh.HOME)).filter((f) => f.includes('partial'))).toEqual([]);

    // Plain pg_restore, no Lifeboat: the table of contents, then a full restore into a new database.
    const { stdout: toc } = await execFileAsync(`${BIN}/pg_restore`, ['--list', outFile]);
    expect(toc).toContain('TABLE DATA sales orders');
    await pg.createDatabase('shop_restored');
    await execFileAsync(`${BIN}/pg_restore`, ['--exit-on-error', '--no-owner', `--dbname=postgresql://postgres@127.0.0.1:${pg.port}/shop_restored`, outFile], { env: { ...process.env, PGPASSWORD: DB_PASSWORD } });
    const [orig] = await pg.query<{ n: string; s: string }>('SELECT count(*) AS n, sum(total)::text AS s FROM sales.orders', [], 'shop');
    const [back] = await pg.query<{ n: string; s: string }>('SELECT count(*) AS n, sum(total)::text AS s FROM sales.orders', [], 'shop_restored');
    expect(back).toEqual(orig);
    expect(orig?.n).toBe('6000');

    // The same from a local copy of the object (`--file`), e.g. downloaded with the aws CLI.
    const copy = path.join(fresh.HOME, 'copy.dump.enc');
    await (await import('node:fs/promises')).writeFile(copy, await storedBytes(key));
    const fromFile = path.join(fresh.HOME, 'from-file.dump');
    expect((await runCli(['decrypt', '--file', copy, '--out', fromFile], fresh)).code).toBe(0);
    expect((await readFile(fromFile)).equals(await readFile(outFile))).toBe(true);
  });

  it('openBackupPlaintext (what restore plugs in) streams the decrypted archive into pg_restore', async () => {
    const env = { ...process.env, ...machine };
    const { target, db, encryptionKey } = await resolveProfile('shop', env, { encryptionKey: false });
    // The profile's keychain secrets and its server-side encryption reach the engine's target.
    expect(target).toMatchObject({ kind: 's3', bucket: 'vault', prefix: 'prod', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, serverSideEncryption: { mode: 'aws:kms', kmsKeyId: TEST_KMS_KEY_ID } });
    expect(db).toMatchObject({ password: DB_PASSWORD, url: `postgresql://postgres@127.0.0.1:${pg.port}/shop` });
    expect(encryptionKey).toBeNull(); // restore takes the key the backup names, not the profile's
    expect((await resolveProfile('shop', env)).encryptionKey?.id).toBe(keyId);
    const plain = await openBackupPlaintext(openStorage(target), key, keychainKeyResolver(env));
    const child = spawn(`${BIN}/pg_restore`, ['--list'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let toc = '';
    child.stdout.on('data', (d: Buffer) => (toc += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // pg_restore --list stops reading once it has the table of contents: a closed pipe is expected.
    await pipeline(plain, child.stdin).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e;
    });
    expect(await exited).toBe(0);
    expect(toc).toContain('TABLE DATA sales customers');
    // A key missing from the keychain is reported before the download, by the same call.
    const stranger = { ...process.env, ...(await freshMachine()) };
    await expect(openBackupPlaintext(openStorage(target), key, keychainKeyResolver(stranger))).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_MISSING' });
  });

  it('encrypts plain-format backups too (.sql.gz.enc, decrypting to the gzipped SQL)', async () => {
    const r = await runCli(['backup', '--profile', 'shop', '--format', 'plain', '--json'], machine);
    expect(r.code, r.stderr).toBe(0);
    const plainKey = (JSON.parse(r.stdout) as { key: string }).key;
    expect(plainKey).toMatch(/\.sql\.gz\.enc$/);
    const out = path.join(machine.HOME, 'shop.sql.gz');
    expect((await runCli(['decrypt', '--profile', 'shop', '--key', plainKey, '--out', out], machine)).code).toBe(0);
    const sql = gunzipSync(await readFile(out)).toString('utf8');
    expect(sql).toContain('CREATE TABLE sales.orders');
    expect(sql).toContain('PostgreSQL database dump complete');
  });

  it('restore, extract and verify --deep decrypt transparently with --profile', async () => {
    const env = { ...machine, PGPASSWORD: DB_PASSWORD };
    const server = `postgresql://postgres@127.0.0.1:${pg.port}/postgres`;
    const restored = await runCli(['restore', '--profile', 'shop', '--key', key, '--target', `postgresql://postgres@127.0.0.1:${pg.port}/shop_via_restore`, '--create', '--json'], env);
    expect(restored.code, restored.stderr).toBe(0);
    const [orig] = await pg.query<{ n: string }>('SELECT count(*) AS n FROM sales.customers', [], 'shop');
    const [back] = await pg.query<{ n: string }>('SELECT count(*) AS n FROM sales.customers', [], 'shop_via_restore');
    expect(back).toEqual(orig);

    const extracted = await runCli(['extract', '--profile', 'shop', '--key', key, '--server', server, '--table', 'sales.customers', '--where', 'id = 42', '--format', 'csv'], env);
    expect(extracted.code, extracted.stderr).toBe(0);
    expect(extracted.stdout).toContain('customer 42');

    const verified = await runCli(['verify', '--profile', 'shop', '--key', key, '--deep', '--server', server, '--json'], env);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ outcome: 'passed', depth: 'deep', checks: { sha256Matches: true, contentsReadable: true, restored: true } });
  });

  it('without the key: verify checks the stored SHA-256, restore and verify --deep refuse before downloading', async () => {
    const fresh = { ...(await freshMachine()), ...s3.env, PGPASSWORD: DB_PASSWORD };
    const storage = s3.storageUrl('vault', 'prod');
    const quick = await runCli(['verify', '--to', storage, '--key', key, '--json'], fresh);
    expect(quick.code, quick.stderr).toBe(0);
    expect(JSON.parse(quick.stdout)).toMatchObject({ outcome: 'passed', checks: { sha256Matches: true, contentsReadable: null } });
    const missing = `This backup was encrypted with key ${keyId}, which is not in this keychain`;
    const restore = await runCli(['restore', '--to', storage, '--key', key, '--target', `postgresql://postgres@127.0.0.1:${pg.port}/never_created`, '--create'], fresh);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain(missing);
    expect(await pg.query(`SELECT 1 FROM pg_database WHERE datname = 'never_created'`)).toEqual([]);
    const deep = await runCli(['verify', '--to', storage, '--key', key, '--deep', '--server', `postgresql://postgres@127.0.0.1:${pg.port}/postgres`], fresh);
    expect(deep.code).toBe(1);
    expect(deep.stderr).toContain(missing);
  });

  it('checks the key from the manifest before reading any backup data', async () => {
    // Replace the stored object with garbage: if decrypt read it, the error would be about the header.
    const fresh = { ...(await freshMachine()), ...s3.env };
    const original = await storedBytes(key);
    await s3.client.send(new PutObjectCommand({ Bucket: 'vault', Key: key, Body: Buffer.from('not even encrypted') }));
    try {
      const r = await runCli(['decrypt', '--key', key, '--to', s3.storageUrl('vault', 'prod'), '--out', path.join(fresh.HOME, 'x.dump')], fresh);
      expect(r.stderr).toContain(`encrypted with key ${keyId}, which is not in this keychain`);
      // With the key, the damaged object is refused and nothing is left at --out.
      const again = await runCli(['decrypt', '--key', key, '--to', s3.storageUrl('vault', 'prod'), '--out', path.join(machine.HOME, 'x.dump')], { ...machine, ...s3.env });
      expect(again.stderr).toContain('This is not a readable Lifeboat encrypted backup');
      expect((await readdir(machine.HOME)).filter((f) => f.includes('x.dump'))).toEqual([]);
    } finally {
      await s3.client.send(new PutObjectCommand({ Bucket: 'vault', Key: key, Body: original }));
    }
  });

  it('a tampered stored object fails decryption and leaves no output', async () => {
    const original = await storedBytes(key);
    const tampered = Buffer.from(original);
    const at = Math.floor(tampered.length / 2);
    tampered[at] = (tampered[at] as number) ^ 1;
    await s3.client.send(new PutObjectCommand({ Bucket: 'vault', Key: key, Body: tampered }));
    try {
      const out = path.join(machine.HOME, 'tampered.dump');
      const r = await runCli(['decrypt', '--key', key, '--profile', 'shop', '--out', out], machine);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Chunk \d+ of this encrypted backup .* fails authentication/);
      expect((await readdir(machine.HOME)).filter((f) => f.includes('tampered'))).toEqual([]);
    } finally {
      await s3.client.send(new PutObjectCommand({ Bucket: 'vault', Key: key, Body: original }));
    }
  });
});
