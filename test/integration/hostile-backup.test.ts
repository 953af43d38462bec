// A backup is untrusted input: a plain SQL backup carrying psql meta-commands (`\! cmd` runs a shell
// command) must never run them — through restore, extract and verify --deep, with no manifest and
// with a forged one — and a legitimate modern pg_dump backup (fenced with its own \restrict) restores.
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';

let pg: PgCluster;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let folder: string;
let folderUrl: string;

beforeAll(async () => {
  [pg, home] = await Promise.all([startCluster({ major: 15 }), tempHome()]);
  env = { ...process.env, ...home };
  folder = path.join(home.HOME, 'backups');
  folderUrl = `file://${folder}`;
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE public.orders (id int PRIMARY KEY, note text); INSERT INTO orders VALUES (1, $$a$$), (2, $$b$$)', [], 'shop');
});

afterAll(async () => {
  await pg?.stop();
});

const fileOf = (key: string): string => path.join(folder, ...key.split('/'));
const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

/** SQL that looks like pg_dump's, with its own fence, then a meta-command (at line start or mid-line). */
function hostileSql(marker: string, midLine: boolean): string {
  return [
    '--',
    '-- PostgreSQL database dump',
    '--',
    '',
    '\\restrict fencefromthebackup',
    'SET lock_timeout = 0;',
    'CREATE TABLE public.orders (id int PRIMARY KEY, note text);',
    '\\unrestrict fencefromthebackup',
    midLine ? `SELECT 1; \\! touch ${marker}` : `\\! touch ${marker}`,
    '\\unrestrict guessedkey',
    `\\o ${marker}`,
    '',
    '-- PostgreSQL database dump complete',
    '',
  ].join('\n');
}

async function writeHostile(name: string, marker: string, midLine: boolean, manifest: 'none' | 'forged'): Promise<string> {
  if (manifest === 'forged') {
    // A real backup's manifest, rewritten to describe the hostile object: its checksum matches.
    const { key } = await runBackup({ db: pg.url('shop'), to: folderUrl, env, format: 'plain', now: () => new Date(Date.UTC(2025, 2, 3, 4, 5, midLine ? 7 : 6)) });
    const body = gzipSync(hostileSql(marker, midLine));
    await writeFile(fileOf(key), body);
    const m = JSON.parse(await readFile(`${fileOf(key)}.manifest.json`, 'utf8')) as Record<string, unknown>;
    await writeFile(`${fileOf(key)}.manifest.json`, JSON.stringify({ ...m, sha256: createHash('sha256').update(body).digest('hex'), sizeBytes: body.length }));
    return key;
  }
  const key = `database_backups/2025/03/02/${name}_20250302_0${midLine ? 1 : 2}0000.sql.gz`;
  await mkdir(path.dirname(fileOf(key)), { recursive: true });
  await writeFile(fileOf(key), gzipSync(hostileSql(marker, midLine)));
  return key;
}

describe('a plain SQL backup never runs a psql meta-command', () => {
  for (const manifest of ['none', 'forged'] as const) {
    for (const midLine of [false, true]) {
      it(`restore, extract and verify --deep refuse it (${manifest === 'none' ? 'no manifest' : 'forged manifest'}, meta-command ${midLine ? 'mid-line' : 'at line start'}); the marker never appears`, async () => {
        const marker = path.join(home.HOME, `pwned-${manifest}-${midLine}`);
        const key = await writeHostile('evil', marker, midLine, manifest);

        const restore = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url(`evil_${manifest}_${midLine}`)], env);
        expect(restore.code).toBe(1);
        expect(restore.stderr).toMatch(/the backup contains a psql meta-command \(\\!\) on line 9; Lifeboat never runs commands from a backup/i);
        expect(await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [`evil_${manifest}_${midLine}`])).toEqual([]);

        // Existing database, --clean: refused, and its contents stay.
        const clean = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url('shop'), '--clean', '--yes'], env);
        expect(clean.code).toBe(1);
        expect(clean.stderr).toMatch(/meta-command/);
        expect(await pg.query('SELECT id, note FROM orders ORDER BY id', [], 'shop')).toEqual([{ id: 1, note: 'a' }, { id: 2, note: 'b' }]);

        const extract = await runCli(['extract', '--key', key, '--to', folderUrl, '--server', pg.url(), '--table', 'public.orders'], env);
        expect(extract.code).toBe(1);
        expect(extract.stderr).toMatch(/meta-command/);

        const verify = await runCli(['verify', '--key', key, '--to', folderUrl, '--deep', '--server', pg.url()], env);
        expect(verify.code).toBe(1);
        expect(verify.stderr).toMatch(/meta-command/);

        expect(await exists(marker)).toBe(false);
        expect(await pg.query(`SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_%'`)).toEqual([]);
      });
    }
  }

  it('a legitimate pg_dump 15.20 plain backup, fenced with its own \\restrict, restores (and over an existing database with --clean)', async () => {
    const { key } = await runBackup({ db: pg.url('shop'), to: folderUrl, env, format: 'plain', now: () => new Date(Date.UTC(2025, 3, 4, 5, 6, 7)) });
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(await readFile(fileOf(key))).toString()).toMatch(/^\\restrict [A-Za-z0-9]+$/m);
    const r = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url('shop_plain_copy')], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await pg.query('SELECT count(*)::int AS n FROM orders', [], 'shop_plain_copy')).toEqual([{ n: 2 }]);
    await pg.query(`INSERT INTO orders VALUES (3, 'c')`, [], 'shop_plain_copy');
    const again = await runCli(['restore', '--key', key, '--to', folderUrl, '--target', pg.url('shop_plain_copy'), '--clean', '--yes'], env);
    expect(again.stderr).toBe('');
    expect(await pg.query('SELECT count(*)::int AS n FROM orders', [], 'shop_plain_copy')).toEqual([{ n: 2 }]);
  });

  it('refuses a psql too old for \\restrict with one clear sentence instead of running it unprotected', async () => {
    const bin = path.join(home.HOME, 'old-psql');
    await mkdir(bin, { recursive: true });
    // A stand-in that reports an old version; Lifeboat must refuse before running it.
    const fake = path.join(bin, 'psql');
    await writeFile(fake, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "psql (PostgreSQL) 15.13"; exit 0; fi\ntouch ${path.join(home.HOME, 'old-psql-ran')}\nexit 0\n`, { mode: 0o755 });
    const { key } = await runBackup({ db: pg.url('shop'), to: folderUrl, env, format: 'plain', now: () => new Date(Date.UTC(2025, 3, 5, 5, 6, 7)) });
    const r = await runCli(['--pg-bin', bin, 'restore', '--key', key, '--to', folderUrl, '--target', pg.url('shop_old_psql')], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/psql 15\.13 .* is too old to restore safely: it lacks \\restrict/);
    expect(await exists(path.join(home.HOME, 'old-psql-ran'))).toBe(false);
    expect(await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', ['shop_old_psql'])).toEqual([]);
  });
});
