// `lifeboat import`: a dump file from disk uploaded into a real S3 server (Ceph RGW) in the seed's
// layout with a manifest, then listed and restored from storage like any backup. Refusals leave no
// object behind.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { copyFile, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { createKey } from '../../electron/engine/profiles/key-store.js';
import { manifestSchema } from '../../shared/manifest.js';
import { runCli } from '../support/cli.js';
import { startCliProcess } from '../support/cli-process.js';
import { waitFor } from '../support/fault-case.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN, contentHashes, seedRichDatabase } from '../support/rich-database.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startStallingProxy } from '../support/stalling-proxy.js';

const execFileAsync = promisify(execFile);

let pg: PgCluster;
let s3: S3Server;
let machine: TestEnv;
let env: NodeJS.ProcessEnv;
let files: string;
let to: string;
let sourceHashes: Record<string, string>;
let customFile: string;
let plainFile: string;
let encFile: string;

async function sha(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

async function manifestOf(key: string): Promise<ReturnType<typeof manifestSchema.parse>> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: 'imports', Key: `${key}.manifest.json` }));
  return manifestSchema.parse(JSON.parse(await (r.Body as { transformToString(): Promise<string> }).transformToString()));
}

beforeAll(async () => {
  [pg, s3, machine] = await Promise.all([startCluster({ major: 15 }), startS3Server(), freshMachine()]);
  env = { ...machine, ...s3.env };
  files = path.join(machine.HOME, 'handed-over');
  await mkdir(files, { recursive: true });
  await pg.createDatabase('shop');
  await seedRichDatabase(pg, 'shop');
  await s3.createBucket('imports');
  to = s3.storageUrl('imports');
  customFile = path.join(files, 'nightly.dump');
  plainFile = path.join(files, 'export.sql');
  await execFileAsync(`${PG15_BIN}/pg_dump`, ['--format=custom', `--file=${customFile}`, `--dbname=${pg.url('shop')}`]);
  await execFileAsync(`${PG15_BIN}/pg_dump`, ['--format=plain', `--file=${plainFile}`, `--dbname=${pg.url('shop')}`]);
  const key = await createKey({ ...process.env, ...env }, 'import test');
  const vault = path.join(machine.HOME, 'vault');
  const enc = await runBackup({ db: pg.url('shop'), to: `file://${vault}`, env: { ...process.env, ...env }, encryption: key, now: () => new Date(Date.UTC(2025, 4, 15, 3, 10, 12)) });
  encFile = path.join(files, 'shop_20250515_031012.dump.enc');
  await copyFile(path.join(vault, enc.key), encFile);
  sourceHashes = await contentHashes(pg, 'shop');
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('import, then list and restore from storage', () => {
  it('imports a custom archive under the database and time its header names, with an index, counts and an import manifest', async () => {
    const before = await sha(customFile);
    const r = await runCli(['import', '--file', customFile, '--to', to, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { key: string; database: string; databaseFrom: string; takenAtFrom: string; pinned: boolean; sha256: string };
    expect(out).toMatchObject({ database: 'shop', databaseFrom: 'archive header', takenAtFrom: 'archive header', pinned: true });
    expect(out.key).toMatch(/^database_backups\/\d{4}\/\d{2}\/\d{2}\/shop_\d{8}_\d{6}\.dump$/);
    // Stored unchanged: the object is the file, byte for byte.
    expect(out.sha256).toBe(before);
    expect(await sha(customFile)).toBe(before);
    const keys = await s3.listKeys('imports');
    expect(keys.sort()).toEqual([out.key, `${out.key}.index.json`, `${out.key}.manifest.json`].sort());
    const m = await manifestOf(out.key);
    expect(m).toMatchObject({ source: { kind: 'import', fileName: 'nightly.dump' }, database: 'shop', format: 'custom', rowCounts: 'exact', pinned: true, encryption: null });
    expect(m.pgDump.major).toBe(15);
    expect(m.tables.length).toBeGreaterThan(0);
    expect(m.index).toBeDefined();

    const list = await runCli(['list', '--to', to, '--json'], env);
    expect((JSON.parse(list.stdout) as { key: string }[]).map((e) => e.key)).toContain(out.key);
    const restored = await runCli(['restore', '--key', out.key, '--to', to, '--target', pg.url('from_import'), '--json'], env);
    expect(restored.stderr).toBe('');
    expect(JSON.parse(restored.stdout)).toMatchObject({ checkedSha256: true });
    expect(await contentHashes(pg, 'from_import')).toEqual(sourceHashes);

    // The import is in the activity log, under its own kind (not counted as a backup Lifeboat took).
    const log = JSON.parse((await runCli(['log', '--kind', 'import', '--json'], env)).stdout) as { outcome: string; key: string; bytes: number; summary: string }[];
    expect(log.find((e) => e.key === out.key)).toMatchObject({ outcome: 'success', summary: expect.stringMatching(/^Imported .*nightly\.dump as a backup of "shop"$/) as unknown });
  });

  it('imports plain SQL gzipped, under --db-name and --taken-at, and a second import of the same time takes the next second', async () => {
    const args = ['import', '--file', plainFile, '--to', to, '--db-name', 'shop', '--taken-at', '2024-01-02T03:04:05Z', '--json'];
    const r = await runCli(args, env);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { key: string; databaseFrom: string; takenAtFrom: string };
    expect(out).toMatchObject({ key: 'database_backups/2024/01/02/shop_20240102_030405.sql.gz', databaseFrom: 'option', takenAtFrom: 'option' });
    const m = await manifestOf(out.key);
    expect(m).toMatchObject({ format: 'plain', compression: 'gzip', rowCounts: 'exact', startedAt: '2024-01-02T03:04:05.000Z' });
    const again = JSON.parse((await runCli(args, env)).stdout) as { key: string; warnings: string[] };
    expect(again.key).toBe('database_backups/2024/01/02/shop_20240102_030406.sql.gz');
    expect(again.warnings[0]).toMatch(/already exists, so this one was stored one or more seconds later/);

    const restored = await runCli(['restore', '--key', out.key, '--to', to, '--target', pg.url('from_plain_import')], env);
    expect(restored.code).toBe(0);
    expect(await contentHashes(pg, 'from_plain_import')).toEqual(sourceHashes);
  });

  it('imports an encrypted file as it is, named by its seed-style file name, and restores it with the key from the keychain', async () => {
    const r = await runCli(['import', '--file', encFile, '--to', to, '--json'], env);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { key: string; sha256: string; takenAtFrom: string };
    expect(out.key).toBe('database_backups/2025/05/15/shop_20250515_031012.dump.enc');
    expect(out.takenAtFrom).toBe('file name');
    expect(out.sha256).toBe(await sha(encFile));
    expect((await manifestOf(out.key)).encryption?.keyId).toMatch(/^lbk_[0-9a-f]{16}$/);
    const restored = await runCli(['restore', '--key', out.key, '--to', to, '--target', pg.url('from_enc_import')], env);
    expect(restored.stderr).toBe('');
    expect(await contentHashes(pg, 'from_enc_import')).toEqual(sourceHashes);
  });
});

describe('import --profile', () => {
  it("encrypts an unencrypted file with the profile's key on the way, with an index, and it restores from storage", async () => {
    const add = await runCli(['profile', 'add', 'vaulted', '--db', pg.url('shop'), '--to', s3.storageUrl('imports', 'vaulted'), '--s3-access-key-id', s3.accessKeyId, '--s3-secret-stdin', '--encrypt'], env, `${s3.secretAccessKey}\n`);
    expect(add.code).toBe(0);
    const r = await runCli(['import', '--file', customFile, '--profile', 'vaulted', '--taken-at', '2024-06-01T00:00:00Z', '--json'], env);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { key: string; sha256: string };
    expect(out.key).toBe('vaulted/2024/06/01/shop_20240601_000000.dump.enc');
    expect(out.sha256).not.toBe(await sha(customFile));
    const m = await manifestOf(out.key);
    expect(m.encryption?.keyId).toMatch(/^lbk_[0-9a-f]{16}$/);
    expect(m.index).toBeDefined();
    const restored = await runCli(['restore', '--key', out.key, '--profile', 'vaulted', '--target', pg.url('from_profile_import')], env);
    expect(restored.stderr).toBe('');
    expect(await contentHashes(pg, 'from_profile_import')).toEqual(sourceHashes);
  });
});

describe('import refusals leave no object', () => {
  async function refusedWithoutObjects(args: string[], message: RegExp): Promise<void> {
    const before = (await s3.listKeys('imports')).sort();
    const r = await runCli(['import', ...args, '--to', to], env);
    expect(r.code, args.join(' ')).toBe(1);
    expect(r.stderr).toMatch(message);
    expect((await s3.listKeys('imports')).sort()).toEqual(before);
    expect(await s3.listMultipartUploads('imports')).toEqual([]);
  }

  it('plain SQL without --db-name, garbage, a truncated archive, a cut plain dump, a bad --taken-at', async () => {
    await refusedWithoutObjects(['--file', plainFile], /does not say which database it is a dump of .* --db-name NAME/);
    const garbage = path.join(files, 'garbage.dump');
    await writeFile(garbage, Buffer.alloc(4096, 7));
    await refusedWithoutObjects(['--file', garbage], /is not a dump Lifeboat can restore/);
    const cut = path.join(files, 'cut.dump');
    await copyFile(customFile, cut);
    await truncate(cut, Math.floor((await readFile(cut)).length * 0.6));
    await refusedWithoutObjects(['--file', cut, '--taken-at', '2024-02-02T00:00:00Z'], /ends before the last block of its archive: the dump is truncated/);
    const cutSql = path.join(files, 'cut.sql');
    await copyFile(plainFile, cutSql);
    await truncate(cutSql, Math.floor((await readFile(cutSql)).length * 0.6));
    await refusedWithoutObjects(['--file', cutSql, '--db-name', 'shop'], /does not end with pg_dump's "-- PostgreSQL database dump complete" line/);
    await refusedWithoutObjects(['--file', customFile, '--taken-at', '2024-02-02 03:00'], /--taken-at must be a date and time with its zone/);
    const failures = JSON.parse((await runCli(['log', '--kind', 'import', '--outcome', 'failure', '--json'], env)).stdout) as { error: { message: string } | null }[];
    expect(failures.some((e) => /the dump is truncated/.test(e.error?.message ?? ''))).toBe(true);
  });
});

describe('an interrupted import', () => {
  it('Ctrl-C while the upload is held by the server: exit 130, no object, no open upload, the file unchanged, logged as cancelled', async () => {
    const before = (await s3.listKeys('imports')).sort();
    const fileSha = await sha(customFile);
    const proxy = await startStallingProxy(s3.endpoint, (req) => req.method === 'PUT' && /database_backups\/.*\.dump(\?|$)/.test(req.url ?? ''));
    try {
      const run = startCliProcess(['import', '--file', customFile, '--to', `s3://imports?endpoint=${encodeURIComponent(proxy.endpoint)}`, '--taken-at', '2024-03-03T03:03:03Z'], env);
      await waitFor('the upload held by the proxy', () => proxy.held() > 0);
      run.child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => (run.child.exitCode !== null ? resolve(run.child.exitCode) : run.child.on('exit', (c) => resolve(c))));
      expect(code, run.output()).toBe(130);
      expect(run.output()).toMatch(/cancelled/);
    } finally {
      await proxy.close();
    }
    expect((await s3.listKeys('imports')).sort()).toEqual(before);
    expect(await s3.listMultipartUploads('imports')).toEqual([]);
    expect(await sha(customFile)).toBe(fileSha);
    const cancelled = JSON.parse((await runCli(['log', '--kind', 'import', '--outcome', 'cancelled', '--json'], env)).stdout) as unknown[];
    expect(cancelled).toHaveLength(1);
  });
});
