// `lifeboat restore --file`: dump files handed over on disk, restored with every check a restore
// from storage makes. Real pg_dump writes the files, the real CLI restores them into a real
// PostgreSQL 15, the encryption key lives in the test's own Secret Service collection.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { createKey } from '../../electron/engine/profiles/key-store.js';
import { runCli } from '../support/cli.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN, contentHashes, schemaDump, seedRichDatabase } from '../support/rich-database.js';

const execFileAsync = promisify(execFile);

let pg: PgCluster;
let machine: TestEnv;
let env: NodeJS.ProcessEnv;
let files: string;
let scratch: string;
let sourceSchema: string;
let sourceHashes: Record<string, string>;
const f = {} as Record<'custom' | 'plain' | 'gz' | 'enc' | 'withManifest' | 'tar' | 'dir', string>;

async function sha(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

async function pgDump(args: string[]): Promise<void> {
  await execFileAsync(`${PG15_BIN}/pg_dump`, [...args, `--dbname=${pg.url('shop')}`], { maxBuffer: 256 * 1024 * 1024 });
}

async function exists(db: string): Promise<boolean> {
  return (await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).length > 0;
}

async function restoreFile(file: string, target: string, ...more: string[]): Promise<Awaited<ReturnType<typeof runCli>>> {
  return runCli(['restore', '--file', file, '--target', pg.url(target), ...more], env);
}

beforeAll(async () => {
  [pg, machine] = await Promise.all([startCluster({ major: 15 }), freshMachine()]);
  files = path.join(machine.HOME, 'handed-over');
  scratch = path.join(machine.HOME, 'scratch');
  env = { ...machine, BACKUP_DIR: scratch };
  await mkdir(files, { recursive: true });
  await pg.createDatabase('shop');
  await seedRichDatabase(pg, 'shop');
  f.custom = path.join(files, 'shop.dump');
  f.plain = path.join(files, 'shop.sql');
  // Named so that only its content can say what it is.
  f.gz = path.join(files, 'from-a-colleague.bin');
  f.tar = path.join(files, 'shop.tar');
  f.dir = path.join(files, 'shop-dir');
  await Promise.all([pgDump(['--format=custom', `--file=${f.custom}`]), pgDump(['--format=plain', `--file=${f.plain}`]), pgDump(['--format=tar', `--file=${f.tar}`]), pgDump(['--format=directory', `--file=${f.dir}`])]);
  await writeFile(f.gz, gzipSync(await readFile(f.plain)));
  // An encrypted backup Lifeboat wrote into a folder storage, copied out without its manifest.
  const key = await createKey({ ...process.env, ...env }, 'file test');
  const vault = path.join(machine.HOME, 'vault');
  const enc = await runBackup({ db: pg.url('shop'), to: `file://${vault}`, env: { ...process.env, ...env }, encryption: key, now: () => new Date(Date.UTC(2025, 4, 15, 3, 10, 12)) });
  f.enc = path.join(files, 'shop.dump.enc');
  await copyFile(path.join(vault, enc.key), f.enc);
  // A plain backup copied out of a folder storage with its manifest beside it.
  const plain = await runBackup({ db: pg.url('shop'), to: `file://${vault}`, env: { ...process.env, ...env }, format: 'plain', now: () => new Date(Date.UTC(2025, 4, 16, 3, 10, 12)) });
  f.withManifest = path.join(files, path.basename(plain.key));
  await copyFile(path.join(vault, plain.key), f.withManifest);
  await copyFile(path.join(vault, `${plain.key}.manifest.json`), `${f.withManifest}.manifest.json`);
  [sourceSchema, sourceHashes] = await Promise.all([schemaDump(pg, 'shop'), contentHashes(pg, 'shop')]);
});

afterAll(async () => {
  await pg?.stop();
});

describe('restore --file, each kind', () => {
  const kinds = [
    ['custom archive (.dump)', 'custom', 'custom', 'pg_restore'],
    ['plain SQL (.sql)', 'plain', 'plain', 'psql'],
    ['gzipped SQL under a name that says nothing', 'gz', 'plain', 'psql'],
    ['Lifeboat encrypted backup (.enc), key in the keychain', 'enc', 'custom', 'pg_restore'],
  ] as const;
  for (const [title, which, format, tool] of kinds) {
    it(`restores a ${title} into a new database, identical to the source, and leaves the file as it was`, async () => {
      const file = f[which];
      const before = await sha(file);
      const target = `shop_file_${which}`;
      const r = await restoreFile(file, target, '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { key: string; database: string; target: string; format: string; tool: string };
      expect(out).toMatchObject({ key: file, database: target, target: 'new', format });
      expect(out.tool).toMatch(new RegExp(`^${tool} `));
      expect(await schemaDump(pg, target)).toBe(sourceSchema);
      expect(await contentHashes(pg, target)).toEqual(sourceHashes);
      expect(await sha(file)).toBe(before);
      // Unencrypted files are read in place; the decrypted copy of an encrypted one is gone.
      expect(await readdir(scratch).catch(() => [])).toEqual([]);
    });
  }

  it('restores a custom archive over an existing database with --clean --yes, and into a temporary database', async () => {
    await pg.createDatabase('shop_over');
    await pg.query('CREATE TABLE leftover (id int)', [], 'shop_over');
    const r = await restoreFile(f.custom, 'shop_over', '--clean', '--yes');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await contentHashes(pg, 'shop_over')).toEqual(sourceHashes);

    const t = await runCli(['restore', '--file', f.custom, '--target', pg.url(), '--temp'], env);
    expect(t.code).toBe(0);
    const name = decodeURIComponent(new URL(t.stdout.trim()).pathname.slice(1));
    expect(name).toMatch(/^lifeboat_shop_\d{8}_\d{6}$/);
    expect(await contentHashes(pg, name)).toEqual(sourceHashes);
  });

  it('uses a manifest beside the file: its size and SHA-256 are checked, and a tampered one refuses the file', async () => {
    const ok = await restoreFile(f.withManifest, 'shop_file_manifest', '--json');
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toMatchObject({ checkedSha256: true, format: 'plain' });
    expect(await contentHashes(pg, 'shop_file_manifest')).toEqual(sourceHashes);

    const at = `${f.withManifest}.manifest.json`;
    const original = await readFile(at, 'utf8');
    const m = JSON.parse(original) as { sha256: string };
    await writeFile(at, JSON.stringify({ ...m, sha256: '0'.repeat(64) }));
    try {
      const bad = await restoreFile(f.withManifest, 'shop_file_tampered');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/does not match the SHA-256 in its manifest/);
      expect(await exists('shop_file_tampered')).toBe(false);
    } finally {
      await writeFile(at, original);
    }
  });

  it('--dry-run says the file is read where it lies, and changes nothing', async () => {
    const r = await restoreFile(f.custom, 'shop_file_dry', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Read the file ${f.custom}`);
    expect(r.stdout).toContain('never changing or copying it');
    expect(r.stdout).toContain('This file has no manifest beside it');
    expect(await exists('shop_file_dry')).toBe(false);
  });
});

describe('restore --file refuses what it cannot restore, changing nothing', () => {
  let victimHashes: Record<string, string>;

  beforeAll(async () => {
    await pg.createDatabase('victim');
    await pg.query('CREATE TABLE keep (id int PRIMARY KEY, note text)', [], 'victim');
    await pg.query('INSERT INTO keep SELECT g, md5(g::text) FROM generate_series(1, 500) g', [], 'victim');
    victimHashes = await contentHashes(pg, 'victim');
  });

  async function truncatedCopy(file: string, name: string): Promise<string> {
    const out = path.join(files, name);
    await copyFile(file, out);
    const size = (await readFile(out)).length;
    await truncate(out, Math.floor(size * 0.6));
    return out;
  }

  const truncatedCases = [
    ['custom archive', 'custom', 'cut.dump'],
    ['plain SQL', 'plain', 'cut.sql'],
    ['gzipped SQL', 'gz', 'cut.sql.gz'],
    ['encrypted backup', 'enc', 'cut.dump.enc'],
  ] as const;
  for (const [title, which, name] of truncatedCases) {
    it(`a truncated ${title}: refused over an existing database (unchanged) and into a new one (not left behind)`, async () => {
      const cut = await truncatedCopy(f[which], name);
      const before = await sha(cut);
      const over = await restoreFile(cut, 'victim', '--clean', '--yes');
      expect(over.code).toBe(1);
      expect(over.stderr).not.toBe('');
      expect(await contentHashes(pg, 'victim')).toEqual(victimHashes);
      const fresh = await restoreFile(cut, `cut_${which}`);
      expect(fresh.code).toBe(1);
      expect(await exists(`cut_${which}`)).toBe(false);
      expect(await sha(cut)).toBe(before);
      expect(await readdir(scratch).catch(() => [])).toEqual([]);
    });
  }

  it('a garbage file, an empty file, a missing file, a folder, tar and directory dumps: one sentence each', async () => {
    const garbage = path.join(files, 'garbage.dump');
    await writeFile(garbage, Buffer.from('this is not a dump at all\n'.repeat(100)));
    const empty = path.join(files, 'empty.sql');
    await writeFile(empty, '');
    const cases: [string, RegExp][] = [
      [garbage, /is not a dump Lifeboat can restore: it is neither a pg_dump custom archive/],
      [empty, /is empty \(0 bytes\)/],
      [path.join(files, 'nope.dump'), /There is no file .*nope\.dump; check the path\./],
      [files, /is a folder; give the path of a dump file/],
      [f.tar, /is a tar archive .*pg_restore --file=dump\.sql/],
      [f.dir, /is a directory-format dump .*pg_restore --file=dump\.sql/],
      [path.join(f.dir, 'toc.dat'), /table of contents \(toc\.dat\) of a directory-format dump/],
    ];
    for (const [file, message] of cases) {
      const r = await restoreFile(file, 'victim', '--clean', '--yes');
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toMatch(message);
      expect(r.stderr.trim().split('\n').length, file).toBeLessThanOrEqual(2);
    }
    expect(await contentHashes(pg, 'victim')).toEqual(victimHashes);
  });

  it('an encrypted file whose key is not in this keychain names the key and restores nothing', async () => {
    const other = await freshMachine();
    const r = await runCli(['restore', '--file', f.enc, '--target', pg.url('enc_nokey')], other);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/encrypted with key lbk_[0-9a-f]{16}, which is not in this keychain/);
    expect(await exists('enc_nokey')).toBe(false);
  });

  it('--file with --key, --latest or --to is refused', async () => {
    const both = await runCli(['restore', '--file', f.custom, '--key', 'database_backups/2025/05/15/shop_20250515_031012.dump', '--target', pg.url('x')], env);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/A file and a backup in storage were both given/);
    const to = await runCli(['restore', '--file', f.custom, '--to', 'file:///tmp/x', '--target', pg.url('x')], env);
    expect(to.code).toBe(1);
    expect(to.stderr).toMatch(/--file restores the file itself/);
  });
});
