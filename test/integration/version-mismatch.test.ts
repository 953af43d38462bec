import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import type { LifeboatError } from '../../electron/engine/errors.js';
import { tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';

// Debian 12 only packages pg_dump 15; npm's embedded PostgreSQL 17 is a newer server.
let pg17: PgCluster;
let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  [pg17, home] = await Promise.all([startCluster({ major: 17 }), tempHome()]);
  await pg17.query('CREATE TABLE t AS SELECT 1 AS x');
});

afterAll(async () => {
  await pg17?.stop();
});

describe('pg_dump older than the server', () => {
  it('fails before dumping, naming the server version, the versions found and how to install', async () => {
    const env = { ...process.env, ...home, PATH: '/usr/bin:/bin' };
    const err = (await runBackup({ db: pg17.url(), env }).catch((e: unknown) => e)) as LifeboatError;
    expect(err.code).toBe('PG_TOOL_MISSING');
    expect(err.message).toMatch(/server version 17\.\d+/);
    expect(err.message).toMatch(/15\.\d+/);
    expect(err.message).toMatch(/postgresql-client-17|Install pg_dump 17/);
    // Nothing was written: not even the backup folder's date folders (only the tool version cache).
    const entries = await readdir(home.LIFEBOAT_HOME, { recursive: true }).catch(() => [] as string[]);
    expect(entries.filter((e) => !e.startsWith('cache')).filter((e) => e.endsWith('.dump') || e.endsWith('.json'))).toEqual([]);
  });
});
