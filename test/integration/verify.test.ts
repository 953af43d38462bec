import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRecordSchema } from '../../shared/verify-record.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { openStorage } from '../../electron/engine/storage/open-storage.js';
import { parseStorageTarget } from '../../electron/engine/storage/target.js';
import { readVerifyRecord } from '../../electron/engine/verify/read-verify-record.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { seedRichDatabase } from '../support/rich-database.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { GetObjectCommand } from '@aws-sdk/client-s3';

let pg: PgCluster;
let s3: S3Server;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let folder: string;
let folderUrl: string;

beforeAll(async () => {
  [pg, s3, home] = await Promise.all([startCluster({ major: 15 }), startS3Server(), tempHome()]);
  env = { ...process.env, ...home, ...s3.env };
  await pg.createDatabase('shop');
  await seedRichDatabase(pg, 'shop');
  await s3.createBucket('backups');
  folder = path.join(home.HOME, 'backups');
  folderUrl = `file://${folder}`;
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

function fileOf(key: string): string {
  return path.join(folder, ...key.split('/'));
}

describe('lifeboat verify', () => {
  it('--latest --deep on S3: checks SHA-256 and the table of contents, restores into a temporary database, compares row counts, stores <key>.verify.json', async () => {
    const to = s3.storageUrl('backups');
    const { key } = await runBackup({ db: pg.url('shop'), to, env });
    const r = await runCli(['verify', '--latest', '--to', to, '--deep', '--server', pg.url(), '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const printed = verifyRecordSchema.parse(JSON.parse(r.stdout));
    expect(printed).toMatchObject({ key, depth: 'deep', outcome: 'passed', problem: null });
    expect(printed.checks).toMatchObject({ exists: true, sha256Matches: true, contentsReadable: true, restored: true });
    expect(printed.checks.tocEntries).toBeGreaterThan(20);
    expect(printed.checks.tables).toEqual(expect.arrayContaining([{ schema: 'inventory', name: 'items', expected: 200, actual: 200, ok: true }]));
    const stored = await s3.client.send(new GetObjectCommand({ Bucket: 'backups', Key: `${key}.verify.json` }));
    expect(verifyRecordSchema.parse(JSON.parse(await stored.Body!.transformToString()))).toEqual(printed);
    expect(await pg.query(`SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_%'`)).toEqual([]);
  });

  it('a flipped byte fails verification: non-zero exit, one line, and a failed record beside the backup', async () => {
    const { key } = await runBackup({ db: pg.url('shop'), to: folderUrl, env, now: () => new Date(Date.UTC(2025, 0, 1, 0, 0, 1)) });
    const bytes = await readFile(fileOf(key));
    const at = Math.floor(bytes.length / 3);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    await writeFile(fileOf(key), bytes);
    const r = await runCli(['verify', '--key', key, '--to', folderUrl], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does not match the SHA-256/);
    const record = verifyRecordSchema.parse(JSON.parse(await readFile(`${fileOf(key)}.verify.json`, 'utf8')));
    expect(record).toMatchObject({ outcome: 'failed', depth: 'quick', checks: { sha256Matches: false } });
    // What the app and reports read back to show the backup's state.
    const storage = openStorage(parseStorageTarget(folderUrl, env));
    expect(await readVerifyRecord(storage, key)).toEqual(record);
  });

  it('--deep fails when the restored row counts differ from the manifest', async () => {
    const { key } = await runBackup({ db: pg.url('shop'), to: folderUrl, env, now: () => new Date(Date.UTC(2025, 0, 1, 0, 0, 2)) });
    const manifestFile = `${fileOf(key)}.manifest.json`;
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { tables: { schema: string; name: string; rows: number }[] };
    const items = manifest.tables.find((t) => t.name === 'items');
    if (items) items.rows = 201;
    await writeFile(manifestFile, JSON.stringify(manifest));
    const r = await runCli(['verify', '--key', key, '--to', folderUrl, '--deep', '--server', pg.url()], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/inventory.items has 200 rows, the manifest says 201/);
    const record = verifyRecordSchema.parse(JSON.parse(await readFile(`${fileOf(key)}.verify.json`, 'utf8')));
    expect(record.checks.tables.find((t) => t.name === 'items')).toEqual({ schema: 'inventory', name: 'items', expected: 201, actual: 200, ok: false });
    expect(await pg.query(`SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_%'`)).toEqual([]);
  });

  it('verifies a plain backup to its last line, and says when it is incomplete', async () => {
    const { key } = await runBackup({ db: pg.url('shop'), to: folderUrl, env, format: 'plain', now: () => new Date(Date.UTC(2025, 0, 1, 0, 0, 3)) });
    const ok = await runCli(['verify', '--key', key, '--to', folderUrl], env);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/SHA-256 matches the manifest, contents readable/);
    // A seed-layout backup without manifest whose SQL stops early (a pg_dump that died mid-way).
    const sql = gunzipSync(await readFile(fileOf(key))).toString('utf8');
    const cut = 'database_backups/2025/01/01/shop_20250101_000004.sql.gz';
    await writeFile(fileOf(cut), gzipSync(sql.slice(0, Math.floor(sql.length / 2))));
    const bad = await runCli(['verify', '--key', cut, '--to', folderUrl], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ends before pg_dump's "dump complete" line/);
  });
});
