import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import type { LifeboatError } from '../../electron/engine/errors.js';
import { runRestore } from '../../electron/engine/restore/run-restore.js';
import { TempRegistry } from '../../electron/engine/restore/temp-registry.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN, contentHashes, schemaDump, seedRichDatabase } from '../support/rich-database.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const execFileAsync = promisify(execFile);

let pg: PgCluster;
let s3: S3Server;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let to: string;
let customKey: string;
let plainKey: string;
let sourceSchema: string;
let sourceHashes: Record<string, string>;
/** A local folder of backups (same layout) whose objects the tests damage on purpose. */
let folder: string;
let folderUrl: string;
let folderKey: string;

async function exists(db: string): Promise<boolean> {
  return (await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).length > 0;
}

beforeAll(async () => {
  [pg, s3, home] = await Promise.all([startCluster({ major: 15 }), startS3Server(), tempHome()]);
  env = { ...process.env, ...home, ...s3.env };
  await pg.createDatabase('shop');
  await seedRichDatabase(pg, 'shop');
  await s3.createBucket('backups');
  to = s3.storageUrl('backups');
  customKey = (await runBackup({ db: pg.url('shop'), to, env, now: () => new Date(Date.UTC(2025, 4, 15, 3, 10, 12)) })).key;
  plainKey = (await runBackup({ db: pg.url('shop'), to, env, format: 'plain', now: () => new Date(Date.UTC(2025, 4, 14, 3, 10, 12)) })).key;
  folder = path.join(home.HOME, 'folder-backups');
  folderUrl = `file://${folder}`;
  folderKey = (await runBackup({ db: pg.url('shop'), to: folderUrl, env, now: () => new Date(Date.UTC(2025, 4, 13, 3, 10, 12)) })).key;
  [sourceSchema, sourceHashes] = await Promise.all([schemaDump(pg, 'shop'), contentHashes(pg, 'shop')]);
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('restore round trip', () => {
  it('restores the latest custom-format backup from S3 into a new database, identical to the source', async () => {
    const r = await runCli(['restore', '--latest', '--db-name', 'shop', '--to', to, '--target', pg.url('shop_copy'), '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ key: customKey, database: 'shop_copy', target: 'new', checkedSha256: true });
    expect(await schemaDump(pg, 'shop_copy')).toBe(sourceSchema);
    expect(await contentHashes(pg, 'shop_copy')).toEqual(sourceHashes);
  });

  it('restores a plain SQL backup by key through psql, identical to the source', async () => {
    const r = await runCli(['restore', '--key', plainKey, '--to', to, '--target', pg.url('shop_plain'), '--create'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await schemaDump(pg, 'shop_plain')).toBe(sourceSchema);
    expect(await contentHashes(pg, 'shop_plain')).toEqual(sourceHashes);
  });

  it('restores with --jobs 2 (through the archive index, no local copy), and leaves no copy behind', async () => {
    const scratch = path.join(home.HOME, 'scratch');
    const r = await runRestore({ key: customKey, to, target: pg.url('shop_jobs'), jobs: 2, env: { ...env, BACKUP_DIR: scratch } });
    expect(r.target).toBe('new');
    expect(r.read.via).toBe('index');
    expect(await contentHashes(pg, 'shop_jobs')).toEqual(sourceHashes);
    expect(await readdir(scratch)).toEqual([]);
  });

  it('restores only the chosen tables and schemas', async () => {
    await runRestore({ key: customKey, to, target: pg.url('shop_part'), schemas: ['Mixed Case "Schema"'], env });
    const tables = await pg.query<{ t: string }>(`SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`, [], 'shop_part');
    expect(tables.map((t) => t.t)).toEqual(['Mixed Case "Schema".Ödd "Table", with comma']);
    const h = await contentHashes(pg, 'shop_part');
    expect(h['Mixed Case "Schema".Ödd "Table", with comma']).toBe(sourceHashes['Mixed Case "Schema".Ödd "Table", with comma']);

    await runRestore({ key: customKey, to, target: pg.url('shop_tables'), tables: ['public.attachments'], env });
    const t2 = await pg.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`, [], 'shop_tables');
    expect(t2.map((t) => t.t)).toEqual(['attachments']);

    // Over S3, through the CLI: a name that matches nothing is one sentence, and the process ends.
    const none = await runCli(['restore', '--key', customKey, '--to', to, '--target', pg.url('shop_none'), '--tables', 'sales.nope'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/Nothing in backup .* matches the tables or schemas asked for/);
    expect(await exists('shop_none')).toBe(false);
  });
});

describe('targets', () => {
  it('--temp creates lifeboat_<db>_<timestamp>, prints its URL, lists it, and only such databases can be dropped', async () => {
    const r = await runCli(['restore', '--key', customKey, '--to', to, '--target', pg.url(), '--temp'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    expect(name).toMatch(/^lifeboat_shop_\d{8}_\d{6}$/);
    expect(await contentHashes(pg, name)).toEqual(sourceHashes);

    const list = await runCli(['temp', 'list', '--server', pg.url(), '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name, exists: true, key: customKey })]);

    const refused = await runCli(['temp', 'drop', 'shop', '--server', pg.url()], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not a temporary database Lifeboat created/);
    expect(await exists('shop')).toBe(true);

    const dropped = await runCli(['temp', 'drop', name, '--server', pg.url()], env);
    expect(dropped.code).toBe(0);
    expect(await exists(name)).toBe(false);
    expect(await new TempRegistry(env).list()).toEqual([]);
  });

  it('refuses an existing non-empty database without --clean --yes, and replaces it with them', async () => {
    await pg.createDatabase('dev');
    await pg.query('CREATE TABLE mine (x int); INSERT INTO mine VALUES (1)', [], 'dev');
    const refused = await runCli(['restore', '--key', customKey, '--to', to, '--target', pg.url('dev')], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/is not empty .*--clean --yes/);
    const noYes = await runCli(['restore', '--key', customKey, '--to', to, '--target', pg.url('dev'), '--clean'], env);
    expect(noYes.code).toBe(1);
    expect(noYes.stderr).toMatch(/add --yes/);
    expect(await pg.query('SELECT x FROM mine', [], 'dev')).toEqual([{ x: 1 }]);

    const ok = await runCli(['restore', '--key', customKey, '--to', to, '--target', pg.url('dev'), '--clean', '--yes'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect((await contentHashes(pg, 'dev'))['inventory.items']).toBe(sourceHashes['inventory.items']);
  });

  it('restores a plain backup over an existing database with --clean --yes in one transaction', async () => {
    await pg.createDatabase('dev_plain');
    await pg.query('CREATE SCHEMA old; CREATE TABLE old.t (x int)', [], 'dev_plain');
    await runRestore({ key: plainKey, to, target: pg.url('dev_plain'), mode: 'clean', confirmed: true, env });
    expect(await contentHashes(pg, 'dev_plain')).toEqual(sourceHashes);
  });
});

describe('never half-restored', () => {
  async function damagedCopy(name: string, damage: (b: Buffer) => Buffer): Promise<string> {
    const src = path.join(folder, ...folderKey.split('/'));
    const key = folderKey.replace(/_\d{8}_\d{6}\.dump$/, `_${name}.dump`);
    const dst = path.join(folder, ...key.split('/'));
    await writeFile(dst, damage(await readFile(src)));
    const manifest = JSON.parse(await readFile(`${src}.manifest.json`, 'utf8')) as { key: string };
    manifest.key = key;
    await writeFile(`${dst}.manifest.json`, JSON.stringify(manifest));
    return key;
  }

  it('refuses a corrupted (one flipped byte) and a truncated object; an existing target stays exactly as it was', async () => {
    const flipped = await damagedCopy('20250513_040000', (b) => {
      const c = Buffer.from(b);
      const i = Math.floor(c.length / 2);
      c[i] = (c[i] ?? 0) ^ 0xff;
      return c;
    });
    const truncated = await damagedCopy('20250513_050000', (b) => b.subarray(0, Math.floor(b.length * 0.8)));
    await pg.createDatabase('prod_like');
    await pg.query(`CREATE TABLE keep (x text); INSERT INTO keep VALUES ('precious')`, [], 'prod_like');
    const before = [await schemaDump(pg, 'prod_like'), await contentHashes(pg, 'prod_like')];
    for (const key of [flipped, truncated]) {
      const err = (await runRestore({ key, to: folderUrl, target: pg.url('prod_like'), mode: 'clean', confirmed: true, env }).catch((e: unknown) => e)) as LifeboatError;
      expect(err.code).toBe('INTEGRITY_FAILED');
      expect([await schemaDump(pg, 'prod_like'), await contentHashes(pg, 'prod_like')]).toEqual(before);
      // Into a new database: refused too, and the database it created is gone.
      const err2 = (await runRestore({ key, to: folderUrl, target: pg.url('never_here'), env }).catch((e: unknown) => e)) as LifeboatError;
      expect(err2.code).toBe('INTEGRITY_FAILED');
      expect(await exists('never_here')).toBe(false);
    }
    // The undamaged original still restores from the same folder.
    await runRestore({ key: folderKey, to: folderUrl, target: pg.url('from_folder'), env });
    expect(await contentHashes(pg, 'from_folder')).toEqual(sourceHashes);
  });

  it('a plain SQL backup with a failing statement fails with psql\'s message and leaves nothing behind', async () => {
    const sql = [
      'CREATE TABLE public.first (x int);',
      'INSERT INTO public.first VALUES (1);',
      'CREATE TABLE public.second (y int REFERENCES public.no_such_table (id));',
      'CREATE TABLE public.third (z int);',
      '',
      // A complete dump (else it would be refused before psql ran at all).
      '-- PostgreSQL database dump complete',
      '',
    ].join('\n');
    const key = 'database_backups/2025/05/12/broken_20250512_031012.sql.gz';
    await mkdir(path.dirname(path.join(folder, ...key.split('/'))), { recursive: true });
    await writeFile(path.join(folder, ...key.split('/')), gzipSync(sql));
    const err = (await runRestore({ key, to: folderUrl, target: pg.url('broken_new'), env }).catch((e: unknown) => e)) as LifeboatError;
    expect(err.code).toBe('PG_RESTORE_FAILED');
    expect(err.message).toMatch(/psql:.*ERROR:\s+relation "public.no_such_table" does not exist/);
    expect(await exists('broken_new')).toBe(false);

    await pg.createDatabase('broken_existing');
    const err2 = (await runRestore({ key, to: folderUrl, target: pg.url('broken_existing'), env }).catch((e: unknown) => e)) as LifeboatError;
    expect(err2.code).toBe('PG_RESTORE_FAILED');
    expect(await pg.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`, [], 'broken_existing')).toEqual([]);
  });

  it('a seed-layout .sql.gz written by pg_dump | gzip (no manifest) lists and restores', async () => {
    const { stdout } = await execFileAsync(`${PG15_BIN}/pg_dump`, [`--dbname=${pg.url('shop')}`], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
    const key = 'database_backups/2023/05/15/celebra_capital_20230515_031012.sql.gz';
    await mkdir(path.dirname(path.join(folder, ...key.split('/'))), { recursive: true });
    await writeFile(path.join(folder, ...key.split('/')), gzipSync(stdout));
    const list = await runCli(['restore', '--list', '--to', folderUrl, '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ key, hasManifest: false })]));
    const r = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url('celebra'), '--json'], env);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ checkedSha256: false, tool: expect.stringMatching(/^psql 15\./) });
    expect(await contentHashes(pg, 'celebra')).toEqual(sourceHashes);
    // The same SQL not gzipped (.sql), into an existing empty database (one transaction).
    const bare = 'database_backups/2023/05/17/celebra_capital_20230517_031012.sql';
    await mkdir(path.dirname(path.join(folder, ...bare.split('/'))), { recursive: true });
    await writeFile(path.join(folder, ...bare.split('/')), stdout);
    await pg.createDatabase('celebra_bare');
    const r2 = await runRestore({ key: bare, to: folderUrl, target: pg.url('celebra_bare'), env });
    expect(r2.target).toBe('existing');
    expect(await contentHashes(pg, 'celebra_bare')).toEqual(sourceHashes);
  });

  it('a custom archive without manifest picks pg_restore from the archive header; an unmet pg_dump version is one clear sentence', async () => {
    const key = 'database_backups/2023/05/16/celebra_capital_20230516_031012.dump';
    await mkdir(path.dirname(path.join(folder, ...key.split('/'))), { recursive: true });
    await execFileAsync(`${PG15_BIN}/pg_dump`, ['-Fc', `--file=${path.join(folder, ...key.split('/'))}`, `--dbname=${pg.url('shop')}`]);
    const r = await runRestore({ key, to: folderUrl, target: pg.url('celebra_custom'), env });
    expect(r).toMatchObject({ checkedSha256: false, tool: { name: 'pg_restore', version: expect.stringMatching(/^15\./) } });
    expect(await contentHashes(pg, 'celebra_custom')).toEqual(sourceHashes);

    const future = await damagedCopy('20250513_060000', (b) => b);
    const manifestFile = `${path.join(folder, ...future.split('/'))}.manifest.json`;
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { pgDump: { version: string; major: number } };
    manifest.pgDump = { ...manifest.pgDump, version: '99.1', major: 99 };
    await writeFile(manifestFile, JSON.stringify(manifest));
    const cli = await runCli(['restore', '--key', future, '--to', folderUrl, '--target', pg.url('from_the_future')], env);
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/No pg_restore can handle a backup written by pg_dump 99\.1, major 99: it needs pg_restore 99 or newer, and the versions found are 15\./);
    expect(await exists('from_the_future')).toBe(false);
  });

  it('cancelling while pg_restore runs kills it and drops the new database', async () => {
    await pg.createDatabase('noisy');
    await pg.query(`CREATE EXTENSION pgcrypto; CREATE TABLE noise AS SELECT g, gen_random_bytes(1024) AS b FROM generate_series(1, 20000) g`, [], 'noisy');
    const noisy = await runBackup({ db: pg.url('noisy'), to: folderUrl, env });
    const ac = new AbortController();
    let restoring = false;
    const err = (await runRestore({
      key: noisy.key,
      to: folderUrl,
      target: pg.url('noisy_copy'),
      env,
      signal: ac.signal,
      onProgress: (p) => {
        // Into a new database the backup streams into pg_restore as it downloads (no local copy).
        if (p.phase === 'restoring' && !restoring) {
          restoring = true;
          setTimeout(() => ac.abort(), 300);
        }
      },
    }).catch((e: unknown) => e)) as LifeboatError;
    expect(err.code).toBe('CANCELLED');
    expect(restoring).toBe(true);
    expect(await exists('noisy_copy')).toBe(false);
    const sessions = await pg.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_restore'`);
    expect(sessions).toEqual([]);
  });

  it('a download cut mid-stream fails the restore with a clear message; the new database is dropped and an existing one untouched', async () => {
    await pg.createDatabase('cut_src');
    await pg.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE TABLE noise AS SELECT g, gen_random_bytes(1024) AS b FROM generate_series(1, 5000) g`, [], 'cut_src');
    const { key } = await runBackup({ db: pg.url('cut_src'), to, env });
    // A proxy in front of the S3 server that passes the object's first 1 MB, then drops the connection.
    const upstream = new URL(s3.endpoint);
    const proxy = http.createServer((req, res) => {
      const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let sent = 0;
        upRes.on('data', (d: Buffer) => {
          sent += d.length;
          if (req.method === 'GET' && (req.url ?? '').includes('.dump') && !(req.url ?? '').includes('manifest') && sent > 1024 * 1024) {
            res.socket?.destroy();
            upRes.destroy();
            return;
          }
          res.write(d);
        });
        upRes.on('end', () => res.end());
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const cutTo = `s3://backups?endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}`;
    try {
      const err = (await runRestore({ key, to: cutTo, target: pg.url('cut_new'), env }).catch((e: unknown) => e)) as LifeboatError;
      expect(err.code).toBe('STORAGE_ERROR');
      expect(err.message).toMatch(/^Reading backup .* from storage was interrupted \(aborted\), so nothing was restored; check the connection/);
      expect(await exists('cut_new')).toBe(false);

      await pg.createDatabase('cut_existing');
      await pg.query(`CREATE TABLE keep (x text); INSERT INTO keep VALUES ('precious')`, [], 'cut_existing');
      const scratch = path.join(home.HOME, 'scratch-cut');
      const err2 = (await runRestore({ key, to: cutTo, target: pg.url('cut_existing'), mode: 'clean', confirmed: true, env: { ...env, BACKUP_DIR: scratch } }).catch((e: unknown) => e)) as LifeboatError;
      expect(err2.code).toBe('STORAGE_ERROR');
      expect(await pg.query('SELECT x FROM keep', [], 'cut_existing')).toEqual([{ x: 'precious' }]);
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('cancelling a running restore drops the temporary database and leaves no record or local copy', async () => {
    const ac = new AbortController();
    const scratch = path.join(home.HOME, 'scratch-cancel');
    const err = (await runRestore({
      key: customKey,
      to,
      target: pg.url(),
      mode: 'temp',
      jobs: 2,
      env: { ...env, BACKUP_DIR: scratch },
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'restoring') ac.abort();
      },
    }).catch((e: unknown) => e)) as LifeboatError;
    expect(err.code).toBe('CANCELLED');
    const temps = await pg.query(`SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_%'`);
    expect(temps).toEqual([]);
    expect(await new TempRegistry(env).list()).toEqual([]);
    expect(await readdir(scratch)).toEqual([]);
  });
});
