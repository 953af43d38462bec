// Query values in a database URL reach pg_dump exactly as written (issue 9, point 10): libpq reads
// `+` literally, so re-encoding `%20` or a space as `+` changed what the server was told.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';

let cluster: PgCluster;
let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  [cluster, home] = await Promise.all([startCluster({ major: 15 }), tempHome()]);
  await cluster.createDatabase('shop');
  await cluster.query('CREATE TABLE gate (id int); INSERT INTO gate VALUES (1)', [], 'shop');
});

afterAll(async () => {
  await cluster?.stop();
});

/** The application_name pg_dump's session has on the server, read while a lock holds pg_dump still. */
async function backupSeenByServer(url: string): Promise<{ applicationName: string; code: number; stderr: string }> {
  const gate = new pg.Client({ connectionString: cluster.url('shop') });
  await gate.connect();
  await gate.query('BEGIN; LOCK TABLE gate IN ACCESS EXCLUSIVE MODE');
  const run = runCli(['backup', '--db', url, '--to', `file://${home.HOME}/backups`, '--json'], home);
  let applicationName: string | null = null;
  let finished = false;
  void run.then(() => (finished = true));
  const deadline = Date.now() + 60_000;
  while (applicationName === null && !finished && Date.now() < deadline) {
    // Not through `gate`: inside its transaction, pg_stat_activity would stay as first read.
    const r = await cluster.query<{ a: string }>(`SELECT application_name AS a FROM pg_stat_activity WHERE datname = 'shop' AND wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE%'`);
    applicationName = r[0]?.a ?? null;
    if (applicationName === null) await new Promise((res) => setTimeout(res, 50));
  }
  await gate.query('COMMIT');
  await gate.end();
  const done = await run;
  return { applicationName: applicationName ?? '(pg_dump never reached the lock)', code: done.code, stderr: done.stderr };
}

describe('URL query values reach pg_dump unchanged', () => {
  it('percent-encoded values', async () => {
    const r = await backupSeenByServer(`${cluster.url('shop')}?application_name=nightly%20run&options=-c%20work_mem%3D7777kB`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.applicationName).toBe('nightly run');
  });

  it('values written with spaces', async () => {
    const r = await backupSeenByServer(`${cluster.url('shop')}?application_name=nightly run&options=-c work_mem=7777kB`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.applicationName).toBe('nightly run');
  });
});
