import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readActivityLog as activity } from '../support/activity-log.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCliProcess } from '../support/cli-process.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startWebhookReceiver, waitFor, type WebhookReceiver } from '../support/webhook-receiver.js';

let pg: PgCluster;
let s3: S3Server;
let hook: WebhookReceiver;

beforeAll(async () => {
  [pg, s3, hook] = await Promise.all([startCluster({ major: 15 }), startS3Server(), startWebhookReceiver()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 300) g', [], 'shop');
  await s3.createBucket('sched');
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop(), hook?.close()]);
});

describe('lifeboat scheduler run (headless) with real backups', () => {
  it('runs a seconds-level schedule, prunes after each backup, verifies, and posts to the webhook', async () => {
    const home = await tempHome();
    const env = { ...home, ...s3.env, LB_HOOK_URL: `${hook.url}/ok` };
    const to = s3.storageUrl('sched', 'fast');
    const add = await runCli(['scheduler', 'add', 'fast', '--db', pg.url('shop'), '--to', to, '--cron', '*/2 * * * * *', '--keep-days', '0', '--keep-last', '2', '--retries', '0'], env);
    expect(add.stderr).toBe('');
    expect(add.stdout).toMatch(/Schedule "fast": cron "\*\/2 \* \* \* \* \*" \(local time\)\. Next runs \(UTC\): (\S+Z, ){4}\S+Z/);
    expect((await runCli(['notify', 'add-webhook', 'ops', '--url-env', 'LB_HOOK_URL', '--on', 'failure,success'], env)).code).toBe(0);
    const before = hook.received.length;

    const proc = startCliProcess(['scheduler', 'run'], env);
    try {
      await waitFor('three scheduled backups', async () => (await activity(home)).filter((e) => e.kind === 'backup' && e.outcome === 'success').length >= 3);
      await waitFor('the third retention pass', async () => (await activity(home)).filter((e) => e.kind === 'prune').length >= 3);
    } finally {
      expect(await proc.stop()).toBe(0);
    }
    const log = await activity(home);
    const backups = log.filter((e) => e.kind === 'backup');
    expect(backups.every((b) => b.outcome === 'success' && b.profile === 'fast' && b.details.scheduled === true)).toBe(true);
    // Keys a whole number of 2-second slots apart: each slot ran once.
    const stamps = backups.map((b) => new Date(b.startedAt).getTime());
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]! - stamps[i - 1]!).toBeGreaterThan(1000);
    // Checksum verification of the newest backup: once (weekly), right after the first backup.
    const verifies = log.filter((e) => e.kind === 'verify');
    expect(verifies).toHaveLength(1);
    expect(verifies[0]).toMatchObject({ outcome: 'success', key: backups[0]?.key });
    // Retention (keep the newest 2) left exactly the two newest backups that finished before stop.
    const keys = (await s3.listKeys('sched')).filter((k) => k.startsWith('fast/') && k.endsWith('.dump'));
    const stored = backups.map((b) => b.key);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(keys.length).toBeLessThanOrEqual(3); // a backup finishing after the last prune stays until the next
    expect(keys).toEqual(expect.arrayContaining(stored.slice(-2) as string[]));
    expect(keys).not.toContain(stored[0]);
    // Success notifications reached the webhook as generic JSON.
    const posts = hook.received.slice(before).filter((r) => r.path === '/ok').map((r) => JSON.parse(r.body) as { event: string; title: string; profile: string });
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect(posts[0]).toMatchObject({ event: 'success', title: 'Backup done: fast', profile: 'fast' });
    expect(proc.output()).toContain('Scheduler running 1 schedule(s)');
  });

  it('a failed scheduled backup is retried, then reported to a webhook that fails first', async () => {
    const home = await tempHome();
    const env = { ...home, ...s3.env, LB_HOOK_URL: `${hook.url}/flaky` };
    await runCli(['scheduler', 'add', 'broken', '--db', `postgresql://postgres@127.0.0.1:${pg.port}/missing_db`, '--to', s3.storageUrl('sched', 'broken'), '--cron', '*/3 * * * * *', '--retries', '1', '--retry-delay', '0'], env);
    await runCli(['notify', 'add-webhook', 'flaky', '--kind', 'slack', '--url-env', 'LB_HOOK_URL'], env);
    // Notification retries wait 2 s, then 4 s: keep the test short by failing only once.
    hook.respondWith([503]);
    const proc = startCliProcess(['scheduler', 'run'], env);
    try {
      await waitFor('a delivered failure notification', async () => (await activity(home)).find((e) => e.kind === 'notification' && e.outcome === 'success'));
    } finally {
      expect(await proc.stop()).toBe(0);
    }
    const log = await activity(home);
    const failures = log.filter((e) => e.kind === 'backup');
    expect(failures.slice(0, 2).map((e) => [e.outcome, e.details.attempt, e.error?.code])).toEqual([['failure', 1, 'PG_DATABASE_MISSING'], ['failure', 2, 'PG_DATABASE_MISSING']]);
    expect(log.find((e) => /retrying/.test(e.summary))).toBeTruthy();
    const delivered = log.find((e) => e.kind === 'notification' && e.outcome === 'success');
    expect(delivered?.details).toMatchObject({ channel: 'flaky', channelKind: 'slack', attempts: 2, status: 200 });
    const flaky = hook.received.filter((r) => r.path === '/flaky');
    expect(flaky[0]?.status).toBe(503);
    expect(flaky[1]?.status).toBe(200);
    const slack = JSON.parse(flaky[1]!.body) as { text: string; blocks: unknown[] };
    expect(slack.text).toBe(':red_circle: Backup failed: broken');
    expect(JSON.stringify(slack.blocks)).toContain('missing_db');
    expect(await s3.listKeys('sched').then((k) => k.filter((x) => x.startsWith('broken/')))).toEqual([]);
  });

  it('catches up once after a simulated sleep, and only logs the miss when catch-up is off', async () => {
    for (const catchUp of [true, false]) {
      const home = await tempHome();
      const env = { ...home, ...s3.env };
      const name = catchUp ? 'nightly' : 'nightly-no-catch-up';
      const args = ['scheduler', 'add', name, '--db', pg.url('shop'), '--to', s3.storageUrl('sched', name), '--daily', '03:00', '--timezone', 'UTC', '--verify-every-days', '0'];
      expect((await runCli(catchUp ? args : [...args, '--no-catch-up'], env)).code).toBe(0);
      // The machine slept (or the app was closed) through the last three nightly slots.
      const newestSlot = new Date();
      newestSlot.setUTCHours(3, 0, 0, 0);
      if (newestSlot.getTime() > Date.now()) newestSlot.setUTCDate(newestSlot.getUTCDate() - 1);
      const lastSlot = new Date(newestSlot.getTime() - 3 * 86_400_000);
      await writeFile(path.join(home.LIFEBOAT_HOME, 'scheduler-state.json'), JSON.stringify({ [name]: { lastSlot: lastSlot.toISOString(), lastRunAt: null, lastOutcome: 'success', lastSuccessAt: null, lastVerifyAt: null } }));
      const proc = startCliProcess(['scheduler', 'run'], env);
      try {
        await waitFor('the scheduler decision', async () => (await activity(home)).find((e) => e.kind === 'scheduler'));
        if (catchUp) await waitFor('the catch-up backup', async () => (await activity(home)).find((e) => e.kind === 'backup'));
        else await new Promise((r) => setTimeout(r, 1500));
      } finally {
        expect(await proc.stop()).toBe(0);
      }
      const log = await activity(home);
      const decision = log.find((e) => e.kind === 'scheduler');
      if (catchUp) {
        expect(decision?.summary).toMatch(/^Catching up the missed run of \S+T03:00:00.000Z once \(and 2 earlier missed slot\(s\)\)$/);
        expect(log.filter((e) => e.kind === 'backup').map((e) => e.outcome)).toEqual(['success']);
        expect(proc.output()).toContain('backup started (catching up a missed run)');
      } else {
        expect(decision).toMatchObject({ outcome: 'skipped' });
        expect(decision?.summary).toMatch(/3 missed in all\); catch-up is off/);
        expect(log.filter((e) => e.kind === 'backup')).toEqual([]);
      }
      const state = JSON.parse(await readFile(path.join(home.LIFEBOAT_HOME, 'scheduler-state.json'), 'utf8')) as Record<string, { lastSlot: string }>;
      expect(new Date(state[name]!.lastSlot).getTime()).toBeGreaterThan(Date.now() - 86_400_000 - 60_000);
    }
  });

  it('sends the status report to the webhooks that take reports, on its own cron', async () => {
    const home = await tempHome();
    const env = { ...home, ...s3.env, LB_REPORT_URL: `${hook.url}/weekly` };
    await runCli(['scheduler', 'add', 'nightly', '--db', pg.url('shop'), '--to', s3.storageUrl('sched', 'reported'), '--daily', '03:00', '--timezone', 'UTC'], env);
    await runCli(['notify', 'add-webhook', 'weekly', '--url-env', 'LB_REPORT_URL', '--on', 'report'], env);
    // Every two seconds here; "0 8 * * 1" (Monday 08:00) is the usual choice.
    expect((await runCli(['notify', 'weekly-report', '--cron', '*/2 * * * * *'], env)).code).toBe(0);
    const start = hook.received.length;
    const proc = startCliProcess(['scheduler', 'run'], env);
    try {
      await waitFor('a report on the webhook', () => hook.received.slice(start).find((r) => r.path === '/weekly'));
    } finally {
      expect(await proc.stop()).toBe(0);
    }
    const body = JSON.parse(hook.received.slice(start).find((r) => r.path === '/weekly')!.body) as { event: string; title: string; text: string };
    expect(body).toMatchObject({ event: 'report', title: 'Lifeboat weekly status: FAILING' });
    expect(body.text).toContain('- nightly: failing; 0 backup(s)');
  });

  it('runs a schedule attached to a profile: its database and storage, then prune --profile uses them', async () => {
    const home = await tempHome();
    const env = { ...home, ...s3.env };
    const added = await runCli(['profile', 'add', 'shopprof', '--db', pg.url('shop'), '--to', s3.storageUrl('sched', 'byprofile')], env);
    expect(added.stderr).toBe('');
    const unknown = await runCli(['scheduler', 'add', 'x', '--profile', 'nope', '--daily', '03:00'], env);
    expect(unknown.code).toBe(1);
    expect((await runCli(['scheduler', 'add', 'prof', '--profile', 'shopprof', '--cron', '*/2 * * * * *', '--keep-days', '0', '--keep-last', '1', '--verify-every-days', '0'], env)).code).toBe(0);
    const proc = startCliProcess(['scheduler', 'run'], env);
    try {
      await waitFor('two retention passes', async () => (await activity(home)).filter((e) => e.kind === 'prune').length >= 2);
    } finally {
      expect(await proc.stop()).toBe(0);
    }
    const backups = (await activity(home)).filter((e) => e.kind === 'backup');
    expect(backups.every((b) => b.outcome === 'success' && b.profile === 'shopprof' && b.details.schedule === 'prof' && b.key?.startsWith('byprofile/'))).toBe(true);
    const dry = await runCli(['prune', '--profile', 'shopprof', '--dry-run', '--json'], env);
    expect(dry.stderr).toBe('');
    const plan = JSON.parse(dry.stdout) as { storage: string; plan: { policy: { keepLast: number }; backups: { action: string }[] } };
    expect(plan.storage).toContain('s3://sched/byprofile');
    expect(plan.plan.policy.keepLast).toBe(1);
    expect(plan.plan.backups.filter((b) => b.action === 'keep').length).toBeGreaterThanOrEqual(1);
  });

  it('picks up a schedule added while it runs when sent SIGHUP', async () => {
    const home = await tempHome();
    const env = { ...home, ...s3.env };
    await runCli(['scheduler', 'add', 'idle', '--db', pg.url('shop'), '--to', s3.storageUrl('sched', 'idle'), '--daily', '03:00', '--timezone', 'UTC'], env);
    const proc = startCliProcess(['scheduler', 'run'], env);
    try {
      await waitFor('the scheduler to start', () => proc.output().includes('Scheduler running 1 schedule(s)'));
      await runCli(['scheduler', 'add', 'added-later', '--db', pg.url('shop'), '--to', s3.storageUrl('sched', 'later'), '--cron', '*/2 * * * * *', '--verify-every-days', '0', '--no-prune'], env);
      proc.child.kill('SIGHUP');
      await waitFor('a backup of the schedule added later', async () => (await activity(home)).find((e) => e.kind === 'backup' && e.profile === 'added-later'));
    } finally {
      expect(await proc.stop()).toBe(0);
    }
    expect(proc.output()).toContain('Reloaded: 2 schedule(s).');
  });

  it('refuses a schedule whose database URL holds a password, and a bad cron expression', async () => {
    const home = await tempHome();
    const r1 = await runCli(['scheduler', 'add', 'x', '--db', 'postgresql://app:hunter2@db/shop', '--daily', '03:00'], home);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/^lifeboat: The database URL holds a password; schedules are stored in a file/);
    expect(r1.stderr).not.toContain('hunter2');
    const r2 = await runCli(['scheduler', 'add', 'x', '--cron', '99 * * * *'], home);
    expect(r2.stderr).toMatch(/^lifeboat: The schedule cannot be used: the cron expression "99 \* \* \* \*" is not valid/);
    const list = await runCli(['scheduler', 'list'], home);
    expect(list.stdout).toMatch(/^No schedules\./);
  });
});
