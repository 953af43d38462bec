// The compression method (gzip, lz4, zstd, none) through the real CLI, a real PostgreSQL 15 and its
// pg_dump 15, into a local folder: lz4 and zstd need pg_dump 16+, which these machines do not have,
// so what is proven here is the refusal (one sentence naming the pg_dump found and what to install,
// nothing stored), that profiles and schedules keep the choice all the way to that refusal, and a
// real round trip of `none`. The header parsing of lz4/zstd archives is unit-tested byte by byte
// (test/unit/archive-format.test.ts).
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteReader } from '../../electron/engine/archive/byte-reader.js';
import { readArchiveHead } from '../../electron/engine/archive/custom-format.js';
import { firstRowsViaPgRestore } from '../../electron/engine/archive/peek-via-pg-restore.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runRestore } from '../../electron/engine/restore/run-restore.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN, contentHashes } from '../support/rich-database.js';

const execFileAsync = promisify(execFile);

let pg: PgCluster;
let env: NodeJS.ProcessEnv;
let work: string;
let folder: string;
let to: string;

/** Every file under the storage folder (backups, sidecars, claims, partial uploads). */
async function storedFiles(): Promise<string[]> {
  const all = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return all.filter((d) => d.isFile()).map((d) => path.relative(folder, path.join(d.parentPath, d.name))).sort();
}

const TOO_OLD = (method: string): RegExp =>
  new RegExp(`^lifeboat: Compressing with ${method} needs pg_dump 16 or newer, and the pg_dump found is 15\\.\\d+ \\([^)]*pg_dump\\); install pg_dump 16 or newer \\(.*postgresql-client-16.*\\), or choose gzip compression\\. Or point Lifeboat at its folder with --pg-bin DIR or LIFEBOAT_PG_BIN\\.\\n$`);

beforeAll(async () => {
  const [cluster, home, dir] = await Promise.all([startCluster({ major: 15 }), tempHome(), mkdtemp(path.join(tmpdir(), 'lifeboat-method-'))]);
  [pg, work] = [cluster, dir];
  folder = path.join(work, 'store');
  to = pathToFileURL(folder).href;
  env = { ...process.env, ...home };
  await pg.createDatabase('shop');
  await pg.query(`CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 5000) g; CREATE TABLE empty_one (id int);`, [], 'shop');
});

afterAll(async () => {
  await pg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('lz4 and zstd with pg_dump 15', () => {
  it.each(['zstd', 'lz4'])('--compress-method %s: one sentence naming pg_dump 15 and what to install; nothing stored', async (method) => {
    const r = await runCli(['backup', '--db', pg.url('shop'), '--to', to, '--compress-method', method], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(TOO_OLD(method));
    expect(await storedFiles()).toEqual([]);
  });

  it('the engine refuses the same before it claims a key, with the hint as data', async () => {
    await expect(runBackup({ db: pg.url('shop'), to, env, compressMethod: 'zstd', compressLevel: 19 })).rejects.toMatchObject({ code: 'PG_TOOL_MISSING', hint: { kind: 'choose-pg-bin' } });
    expect(await storedFiles()).toEqual([]);
  });

  it('refuses what cannot work whatever pg_dump: an unknown method (commander names the choices), plain with zstd, workers with zstd, a level out of range', async () => {
    const cases: [string[], RegExp][] = [
      [['--compress-method', 'brotli'], /argument 'brotli' is invalid\. Allowed choices are gzip, lz4, zstd, none\./],
      [['--format', 'plain', '--compress-method', 'zstd'], /^lifeboat: Plain backups are always stored gzipped \(\.sql\.gz\); zstd is for custom-format backups, so choose the custom format or gzip\.\n$/],
      [['--compress-method', 'zstd', '--compress-workers', '2'], /^lifeboat: Lifeboat's compression workers write gzip only; with zstd pg_dump compresses on its own, so leave the number of workers out \(or 0\), or choose gzip\.\n$/],
      [['--compress-method', 'zstd', '--compress-level', '23'], /^lifeboat: The compression level "23" is not valid for zstd; use a whole number from 1 to 22, or leave it out for pg_dump's default\.\n$/],
      [['--compress-method', 'none', '--compress-level', '5'], /^lifeboat: A compression level \(5\) means nothing for a backup stored uncompressed/],
    ];
    for (const [args, pattern] of cases) {
      const r = await runCli(['backup', '--db', pg.url('shop'), '--to', to, ...args], env);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
    }
    expect(await storedFiles()).toEqual([]);
  });
});

describe('--compress-method none', () => {
  it('stores the archive as pg_dump -Z0 writes it; stock pg_restore reads it and the restore equals the source', async () => {
    const r = await runCli(['backup', '--db', pg.url('shop'), '--to', to, '--compress-method', 'none', '--json'], { ...env, LIFEBOAT_TEST_NOW: '2025-03-01T03:00:00Z' });
    expect(r.code, r.stderr).toBe(0);
    const { key } = JSON.parse(r.stdout) as { key: string };
    const manifest = JSON.parse(await readFile(path.join(folder, `${key}.manifest.json`), 'utf8')) as { compressedBy: unknown; rowCounts: string };
    expect(manifest.compressedBy).toEqual({ tool: 'pg_dump', algorithm: 'none', level: 0, workers: 0 });
    expect(manifest.rowCounts).toBe('exact');
    const file = path.join(folder, key);
    const { head } = await readArchiveHead(new ByteReader(Readable.from([await readFile(file)])));
    expect(head.compression).toBe('none');
    expect((await execFileAsync(`${PG15_BIN}/pg_restore`, ['--list', file])).stdout).toMatch(/;\s+Compression: 0\n/);
    await runRestore({ key, to, target: pg.url('shop_none'), env });
    expect(await contentHashes(pg, 'shop_none')).toEqual(await contentHashes(pg, 'shop'));
    await rm(folder, { recursive: true, force: true });
  });
});

describe('peek through pg_restore (the way lz4 and zstd archives are read)', () => {
  it('reads the first rows of one table from the streamed archive, stops pg_restore once they are in, and knows an empty table', async () => {
    const file = path.join(work, 'peek.dump');
    await execFileAsync(`${PG15_BIN}/pg_dump`, ['-Fc', `--file=${file}`, `--dbname=${pg.url('shop')}`]);
    const peek = (table: string, limit: number) =>
      firstRowsViaPgRestore({ body: createReadStream(file), schema: 'public', table, limit, pgDumpMajor: 15, pgDumpVersion: '15', env: process.env });
    expect(await peek('orders', 3)).toEqual({ lines: ['1\tc4ca4238a0b923820dcc509a6f75849b', '2\tc81e728d9d4c2f636f067f89cc14862c', '3\teccbc87e4b5ce2fe28308fd9f2a7baf3'], truncated: true });
    expect((await peek('orders', 5000)).truncated).toBe(false);
    expect(await peek('empty_one', 10)).toEqual({ lines: [], truncated: false });
  });
});

describe('profiles and schedules keep the choice', () => {
  it('a profile keeps zstd (and a level given alone keeps the method); its backups reach the same refusal; the command line overrides it', async () => {
    const add = await runCli(['profile', 'add', 'zs', '--db', pg.url('shop'), '--to', to, '--compress-method', 'zstd', '--json'], env);
    expect(add.code, add.stderr).toBe(0);
    expect((JSON.parse(add.stdout) as { compression: unknown }).compression).toEqual({ method: 'zstd', level: null });
    const edit = await runCli(['profile', 'edit', 'zs', '--compress-level', '19', '--json'], env);
    expect((JSON.parse(edit.stdout) as { compression: unknown }).compression).toEqual({ method: 'zstd', level: 19 });

    const r = await runCli(['backup', '--profile', 'zs'], env);
    expect(r.stderr).toMatch(TOO_OLD('zstd'));
    expect(await storedFiles()).toEqual([]);
    const gz = await runCli(['backup', '--profile', 'zs', '--compress-method', 'gzip', '--json'], { ...env, LIFEBOAT_TEST_NOW: '2025-03-02T03:00:00Z' });
    expect(gz.code, gz.stderr).toBe(0);
    await rm(folder, { recursive: true, force: true });

    // A plain profile cannot take zstd, whichever of the two is changed last; nothing is saved.
    const plain = await runCli(['profile', 'add', 'pl', '--db', pg.url('shop'), '--format', 'plain', '--compress-method', 'zstd'], env);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/^lifeboat: Plain backups are always stored gzipped/);
    const toPlain = await runCli(['profile', 'edit', 'zs', '--format', 'plain'], env);
    expect(toPlain.stderr).toMatch(/^lifeboat: Plain backups are always stored gzipped/);
    const list = JSON.parse((await runCli(['profile', 'list', '--json'], env)).stdout) as { name: string; format: string }[];
    expect(list.map((p) => [p.name, p.format])).toEqual([['zs', 'custom']]);
  });

  it('a schedule without a profile keeps lz4 and its run reaches the refusal; one with a profile refuses its own', async () => {
    const add = await runCli(['scheduler', 'add', 'nightly', '--db', pg.url('shop'), '--to', to, '--daily', '03:00', '--retries', '0', '--verify-every-days', '0', '--no-prune', '--compress-method', 'lz4', '--compress-level', '12'], env);
    expect(add.code, add.stderr).toBe(0);
    const schedules = JSON.parse((await runCli(['scheduler', 'list', '--json'], env)).stdout) as { name: string; compression: unknown }[];
    expect(schedules.find((s) => s.name === 'nightly')?.compression).toEqual({ method: 'lz4', level: 12 });
    const run = await runCli(['scheduler', 'run-now', 'nightly'], env);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain('Compressing with lz4 needs pg_dump 16 or newer');
    // The run's slot lease lives under .lifeboat/ beside the backups; no backup or sidecar was stored.
    expect((await storedFiles()).filter((f) => !f.startsWith('.lifeboat'))).toEqual([]);

    const withProfile = await runCli(['scheduler', 'add', 'zs-nightly', '--profile', 'zs', '--daily', '03:00', '--compress-method', 'gzip'], env);
    expect(withProfile.code).not.toBe(0);
    expect(withProfile.stderr).toMatch(/^lifeboat: A schedule with a profile compresses as the profile says/);
  });
});
