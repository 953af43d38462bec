// Restore drills against real servers: PostgreSQL 15 and Ceph RGW. A schedule's deep verification
// is a drill: it restores the newest backup into a temporary database, times the recovery with an
// injected clock (so a restore "takes" as long as the test says, never the wall clock), records it
// beside the backup and in the activity log, warns (and notifies) when it is slower than the
// schedule's --rto, and `lifeboat report` shows the drills over time. Failing drills (server
// unreachable, row counts that differ, a cancel mid-restore) are recorded as failed, and the
// temporary database is always gone afterwards.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import { readActivityLog as activity } from '../support/activity-log.js';
import type { StatusReport } from '../../shared/report.js';
import { verifyRecordSchema } from '../../shared/verify-record.js';
import { ActivityLog } from '../../electron/engine/activity/activity-log.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { TempRegistry } from '../../electron/engine/restore/temp-registry.js';
import { automationConfigPath, loadAutomationConfig } from '../../electron/engine/scheduler/automation-config.js';
import { engineActions } from '../../electron/engine/scheduler/schedule-actions.js';
import { createSchedulerHost } from '../../electron/engine/scheduler/scheduler-host.js';
import type { SchedulerEvent } from '../../electron/engine/scheduler/scheduler.js';
import { openStorage } from '../../electron/engine/storage/open-storage.js';
import { parseStorageTarget } from '../../electron/engine/storage/target.js';
import { readVerifyRecord } from '../../electron/engine/verify/read-verify-record.js';
import { runVerify } from '../../electron/engine/verify/run-verify.js';
import { runCli, tempHome } from '../support/cli.js';
import { FakeClock } from '../support/fake-clock.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startWebhookReceiver, waitFor, type WebhookReceiver } from '../support/webhook-receiver.js';

let pg: PgCluster;
let s3: S3Server;
let hook: WebhookReceiver;
const BUCKET = 'drills';
const MIN = 60_000;

beforeAll(async () => {
  [pg, s3, hook] = await Promise.all([startCluster({ major: 15 }), startS3Server(), startWebhookReceiver()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 500) g; CREATE TABLE customers (id int PRIMARY KEY); INSERT INTO customers SELECT generate_series(1, 40)', [], 'shop');
  await s3.createBucket(BUCKET);
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop(), hook?.close()]);
});

const drillsOf = (log: ActivityEntry[]): ActivityEntry[] => log.filter((e) => e.kind === 'verify' && e.details.drill === true);

async function tempDatabases(): Promise<string[]> {
  return (await pg.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_%'`)).map((r) => r.datname);
}

/** Each reading of this clock is `step` later than the previous: a restore between two readings "takes" one step. */
function steppingClock(start: string): { now: () => Date; step: number } {
  const c = { t: Date.parse(start), step: 10 * MIN, now: (): Date => new Date((c.t += c.step) - c.step) };
  return c;
}

describe('restore drills (deep verifications) with a recovery time', () => {
  it('a scheduled drill slower than --rto is recorded, warned about, notified and reported; the next, faster one clears the warning', async () => {
    const home = await tempHome();
    const env = { ...process.env, ...home, ...s3.env, LB_HOOK_URL: `${hook.url}/drills` };
    const to = s3.storageUrl(BUCKET, 'nightly');
    const add = await runCli(['scheduler', 'add', 'nightly', '--db', pg.url('shop'), '--to', to, '--daily', '03:00', '--timezone', 'UTC', '--retries', '0', '--no-prune', '--verify-every-days', '0.5', '--verify-deep-on', pg.url(), '--rto', '15m'], { ...env, LIFEBOAT_TEST_NOW: '2026-11-30T00:00:00Z' });
    expect(add.stderr).toBe('');
    expect((await runCli(['notify', 'add-webhook', 'ops', '--url-env', 'LB_HOOK_URL', '--on', 'failure'], env)).code).toBe(0);
    const config = await loadAutomationConfig(automationConfigPath(env));
    expect(config.schedules[0]).toMatchObject({ name: 'nightly', rtoMs: 15 * MIN });

    const clock = new FakeClock('2026-11-30T02:59:30Z');
    const drillClock = steppingClock('2026-11-30T03:00:00Z');
    const events: SchedulerEvent[] = [];
    const log = ActivityLog.forEnv(env);
    const host = createSchedulerHost({ config, env, clock, actions: engineActions({ env, log, clock, drillClock }), onEvent: (e) => events.push(e) });
    await host.scheduler.start(config.schedules);
    try {
      // The 03:00 slot: backup, then the drill, whose restore "takes" 20 minutes on the drill clock.
      await clock.advanceTo('2026-11-30T03:00:10Z');
      await waitFor('the first drill', async () => drillsOf(await activity(home)).length >= 1);
      await host.scheduler.idle();
      const first = drillsOf(await activity(home))[0]!;
      expect(first).toMatchObject({ outcome: 'success', profile: 'nightly', error: null });
      expect(first.details).toMatchObject({ drill: true, depth: 'deep', recoveryMs: 20 * MIN, restoreMs: 10 * MIN, server: `127.0.0.1:${pg.port}`, tablesCompared: 2, mismatches: 0, targetMs: 15 * MIN, overTarget: true });
      expect(first.details.serverVersion).toMatch(/^15\./);
      expect(first.details.downloadedBytes).toBeGreaterThan(0);
      expect(first.details.restoredBytes).toBeGreaterThan(1_000_000); // pg_database_size of the restored copy
      expect(first.summary).toMatch(/^Drill passed: restored in 20m 0s on 127\.0\.0\.1:\d+ \(PostgreSQL 15\.\d+\), row counts of 2 table\(s\) match, over the 15m recovery-time target$/);
      // Stored beside the backup (format 2), with where it ran and never who: no user, no URL.
      const stored = await readVerifyRecord(openStorage(parseStorageTarget(to, env)), first.key!);
      expect(stored).toMatchObject({ formatVersion: 2, outcome: 'passed', depth: 'deep', drill: { recoveryMs: 20 * MIN, targetMs: 15 * MIN, overTarget: true, mismatches: 0, server: { address: `127.0.0.1:${pg.port}` } } });
      expect(JSON.stringify(stored)).not.toMatch(/postgres(ql)?:\/\/|@127/);
      // A warning, not a failure: the verification passed, the drill event says it was slow, and the webhook heard it.
      expect(events).toContainEqual({ type: 'verify-finished', schedule: 'nightly', ok: true, key: first.key, error: null });
      expect(events).toContainEqual({ type: 'drill-over-target', schedule: 'nightly', key: first.key, recoveryMs: 20 * MIN, targetMs: 15 * MIN });
      const post = await waitFor('the drill warning on the webhook', () => hook.received.find((r) => r.path === '/drills' && r.body.includes('slower than its target')));
      expect(JSON.parse(post.body)).toMatchObject({ event: 'failure', title: 'Restore drill slower than its target: nightly', profile: 'nightly', details: { recoveryMs: 20 * MIN, targetMs: 15 * MIN, warning: true } });
      expect(await tempDatabases()).toEqual([]);

      const warned = await runCli(['report'], env);
      expect(warned.stderr).toBe('');
      expect(warned.stdout).toContain('restore drills (last 1, oldest first): 20m 0s (over target); target 15m');
      expect(warned.stdout).toMatch(/WARNING: the last restore drill \(\d{4}-\d\d-\d\d\) took 20m 0s, over the 15m target\./);

      // The next night's drill "takes" 4 minutes: under the target, the trend says faster.
      drillClock.step = 2 * MIN;
      clock.jump(23 * 60 * MIN + 59 * MIN);
      await clock.advanceTo('2026-12-01T03:00:10Z');
      await waitFor('the second drill', async () => drillsOf(await activity(home)).length >= 2);
      await host.scheduler.idle();
    } finally {
      await host.scheduler.stop();
      host.stopReports();
    }
    const second = drillsOf(await activity(home))[1]!;
    expect(second.details).toMatchObject({ recoveryMs: 4 * MIN, overTarget: false });
    expect(events.filter((e) => e.type === 'drill-over-target')).toHaveLength(1);

    const json = await runCli(['report', '--json'], env);
    expect(json.stderr).toBe('');
    const report = JSON.parse(json.stdout) as StatusReport;
    const nightly = report.profiles.find((p) => p.name === 'nightly')!;
    expect(nightly.drills).toMatchObject({ targetMs: 15 * MIN, trend: 'faster', lastOverTarget: false, medianMs: 12 * MIN });
    expect(nightly.drills.recent.map((d) => [d.outcome, d.recoveryMs, d.overTarget, d.server])).toEqual([
      ['passed', 20 * MIN, true, `127.0.0.1:${pg.port}`],
      ['passed', 4 * MIN, false, `127.0.0.1:${pg.port}`],
    ]);
    expect(nightly.problems.join(' ')).not.toMatch(/restore drill/);
    const text = await runCli(['report'], env);
    expect(text.stdout).toContain('restore drills (last 2, oldest first): 20m 0s (over target), 4m 0s; trend faster; target 15m');
    expect(text.stdout).not.toContain('WARNING');
  });

  it('a drill whose server cannot be reached is a failed drill in the log (on that server), and nothing is stored beside the backup', async () => {
    const home = await tempHome();
    const env = { ...process.env, ...home, ...s3.env };
    const to = s3.storageUrl(BUCKET, 'unreachable');
    const add = await runCli(['scheduler', 'add', 'gone', '--db', pg.url('shop'), '--to', to, '--daily', '03:00', '--retries', '0', '--no-prune', '--verify-deep-on', 'postgresql://postgres@127.0.0.1:1/postgres', '--rto', '1h30m'], env);
    expect(add.stderr).toBe('');
    const config = await loadAutomationConfig(automationConfigPath(env));
    expect(config.schedules[0]?.rtoMs).toBe(90 * MIN);
    const events: SchedulerEvent[] = [];
    const clock = new FakeClock('2026-11-30T12:00:00Z');
    const host = createSchedulerHost({ config, env, clock, onEvent: (e) => events.push(e), reports: false });
    const run = await host.scheduler.runNow(config.schedules[0]!);
    expect(run).toMatchObject({ outcome: 'success' });
    const verified = events.find((e) => e.type === 'verify-finished');
    expect(verified).toMatchObject({ ok: false });
    const drill = drillsOf(await activity(home))[0]!;
    expect(drill).toMatchObject({ outcome: 'failure', error: { code: 'PG_UNREACHABLE' }, details: { drill: true, depth: 'deep', server: '127.0.0.1:1', targetMs: 90 * MIN } });
    expect(await readVerifyRecord(openStorage(parseStorageTarget(to, env)), run.key!)).toBeNull();
    const report = JSON.parse((await runCli(['report', '--json'], env)).stdout) as StatusReport;
    expect(report.profiles[0]?.drills.recent).toMatchObject([{ outcome: 'failed', recoveryMs: null, server: '127.0.0.1:1' }]);
    expect(await tempDatabases()).toEqual([]);
  });

  it('a drill whose row counts differ from the manifest is recorded as failed, with its measurements', async () => {
    const home = await tempHome();
    const env = { ...process.env, ...home };
    const folder = path.join(home.HOME, 'backups');
    const { key } = await runBackup({ db: pg.url('shop'), to: `file://${folder}`, env });
    const manifestFile = path.join(folder, ...key.split('/')) + '.manifest.json';
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { tables: { name: string; rows: number }[] };
    const orders = manifest.tables.find((t) => t.name === 'orders');
    if (orders) orders.rows = 501;
    await writeFile(manifestFile, JSON.stringify(manifest));
    const r = await runCli(['verify', '--key', key, '--to', `file://${folder}`, '--deep', '--server', pg.url(), '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/public\.orders has 500 rows, the manifest says 501/);
    const record = verifyRecordSchema.parse(JSON.parse(r.stdout));
    expect(record).toMatchObject({ formatVersion: 2, outcome: 'failed', drill: { mismatches: 1, tablesCompared: 2, targetMs: null, overTarget: false, server: { address: `127.0.0.1:${pg.port}` } } });
    const drill = drillsOf(await activity(home))[0]!;
    expect(drill).toMatchObject({ outcome: 'failure', key, error: { code: 'VERIFY_FAILED' }, details: { drill: true, mismatches: 1, tablesCompared: 2 } });
    expect(drill.summary).toMatch(/^Drill failed: restored in .+, 1 of 2 table\(s\) differ from the manifest$/);
    expect(await tempDatabases()).toEqual([]);
  });

  it('a drill cancelled mid-restore leaves no temporary database and no registry entry behind', async () => {
    const home = await tempHome();
    const env = { ...process.env, ...home };
    await pg.createDatabase('bigshop');
    await pg.query('CREATE TABLE events (id bigint PRIMARY KEY, body text); INSERT INTO events SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 400000) g', [], 'bigshop');
    const to = `file://${path.join(home.HOME, 'big')}`;
    const { key } = await runBackup({ db: pg.url('bigshop'), to, env });
    const abort = new AbortController();
    // Cancel as soon as the temporary database exists: the restore is then under way.
    const watcher = waitFor('the temporary database', async () => (await tempDatabases()).length > 0, 120_000).then(() => abort.abort());
    await expect(runVerify({ to, key, deep: true, server: pg.url(), env, signal: abort.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    await watcher;
    expect(await tempDatabases()).toEqual([]);
    expect(await new TempRegistry(env).list()).toEqual([]);
  });
});
