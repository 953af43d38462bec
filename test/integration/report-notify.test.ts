import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import type { StatusReport } from '../../shared/report.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let pg: PgCluster;
let s3: S3Server;
let hook: WebhookReceiver;

beforeAll(async () => {
  [pg, s3, hook] = await Promise.all([startCluster({ major: 15 }), startS3Server(), startWebhookReceiver()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE t AS SELECT g FROM generate_series(1, 2000) g', [], 'shop');
  await s3.createBucket('reports');
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop(), hook?.close()]);
});

describe('notifications', () => {
  it('notify test reaches a JSON webhook, a Slack webhook that fails first, and Sentry; each delivery is logged', async () => {
    const home = await tempHome();
    const env = { ...home, HOOK_JSON: `${hook.url}/json?token=abc123secret`, HOOK_SLACK: `${hook.url}/slack`, SENTRY_DSN: `${hook.url.replace('//', '//pubkey123@')}/42` };
    expect((await runCli(['notify', 'add-webhook', 'team-json', '--url-env', 'HOOK_JSON'], env)).code).toBe(0);
    expect((await runCli(['notify', 'add-webhook', 'team-slack', '--kind', 'slack', '--url-env', 'HOOK_SLACK'], env)).code).toBe(0);
    expect((await runCli(['notify', 'sentry'], env)).code).toBe(0);
    const settings = await readFile(path.join(home.LIFEBOAT_HOME, 'automation.json'), 'utf8');
    expect(settings).not.toContain('abc123secret');
    expect(settings).not.toContain('pubkey123');

    const start = hook.received.length;
    hook.respondWith([]);
    // The JSON hook and Slack hook are posted concurrently; make whichever comes first fail once.
    hook.respondWith([500]);
    const r = await runCli(['notify', 'test', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const statuses = JSON.parse(r.stdout) as { channel: string; ok: boolean; attempts: number }[];
    expect(statuses.map((s) => s.channel).sort()).toEqual(['sentry', 'team-json', 'team-slack']);
    expect(statuses.every((s) => s.ok)).toBe(true);
    expect(statuses.reduce((n, s) => n + s.attempts, 0)).toBe(4); // one of them needed a retry
    const got = hook.received.slice(start);
    const json = got.find((g) => g.path.startsWith('/json') && g.status === 200);
    expect(JSON.parse(json!.body)).toMatchObject({ source: 'lifeboat', event: 'test', title: 'Lifeboat test notification' });
    expect(JSON.parse(got.find((g) => g.path === '/slack' && g.status === 200)!.body)).toMatchObject({ text: ':information_source: Lifeboat test notification' });
    const sentry = got.find((g) => g.path === '/api/42/envelope/');
    expect(sentry?.headers['x-sentry-auth']).toContain('sentry_key=pubkey123');
    const [header, item, event] = sentry!.body.trim().split('\n');
    expect(JSON.parse(header!)).toHaveProperty('event_id');
    expect(JSON.parse(item!)).toMatchObject({ type: 'event' });
    expect(JSON.parse(event!)).toMatchObject({ level: 'info', logger: 'lifeboat', tags: { event: 'test' } });

    const log = JSON.parse((await runCli(['log', '--kind', 'notification', '--json'], env)).stdout) as ActivityEntry[];
    expect(log).toHaveLength(3);
    expect(log.every((e) => e.outcome === 'success')).toBe(true);
    expect(JSON.stringify(log)).not.toContain('abc123secret');
  });

  it('notify test reaches a webhook subscribed only to successes (a test checks every channel)', async () => {
    const home = await tempHome();
    const env = { ...home, HOOK_OK_ONLY: `${hook.url}/success-only` };
    expect((await runCli(['notify', 'add-webhook', 'on-success', '--url-env', 'HOOK_OK_ONLY', '--on', 'success'], env)).code).toBe(0);
    const start = hook.received.length;
    hook.respondWith([]);
    const r = await runCli(['notify', 'test', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ channel: 'on-success', ok: true })]);
    const got = hook.received.slice(start).filter((g) => g.path === '/success-only');
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!.body)).toMatchObject({ event: 'test' });
  });

  it('an unreachable webhook fails after its retries, says so in one line and records the failure', async () => {
    const home = await tempHome();
    const closed = await startWebhookReceiver();
    await closed.close(); // a port where nothing listens any more
    const env = { ...home, HOOK_DEAD: `${closed.url}/hook?token=zzzsecret` };
    await runCli(['notify', 'add-webhook', 'dead', '--url-env', 'HOOK_DEAD'], env);
    const cfg = JSON.parse(await readFile(path.join(home.LIFEBOAT_HOME, 'automation.json'), 'utf8')) as { notifications: { retries: number; retryDelaySeconds: number } };
    expect(cfg.notifications).toMatchObject({ retries: 3, retryDelaySeconds: 2 });
    // Keep the test fast: one retry with no delay.
    cfg.notifications.retries = 1;
    cfg.notifications.retryDelaySeconds = 0;
    await (await import('node:fs/promises')).writeFile(path.join(home.LIFEBOAT_HOME, 'automation.json'), JSON.stringify(cfg));
    const r = await runCli(['notify', 'test'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('dead (json): FAILED — could not connect (ECONNREFUSED) after 2 attempt(s)');
    expect(r.stderr).toBe('lifeboat: The test notification did not reach dead; see above.\n');
    const log = await runCli(['log', '--kind', 'notification', '--outcome', 'failure', '--json'], env);
    expect((JSON.parse(log.stdout) as ActivityEntry[])[0]?.details).toMatchObject({ attempts: 2, status: null });
    expect(log.stdout + r.stdout + r.stderr).not.toContain('zzzsecret');
  });
});

describe('lifeboat report', () => {
  it('writes a self-contained HTML report with sizes, failures and verification, and sends the summary', async () => {
    const home = await tempHome();
    const env = { ...home, ...s3.env, HOOK_REPORT: `${hook.url}/report` };
    const to = s3.storageUrl('reports', 'shop');
    await runCli(['scheduler', 'add', 'shop', '--db', pg.url('shop'), '--to', to, '--daily', '03:00'], env);
    for (let i = 0; i < 2; i++) {
      const b = await runCli(['backup', '--db', pg.url('shop'), '--to', to], env);
      expect(b.code).toBe(0);
      await new Promise((r) => setTimeout(r, 1100)); // keys are per second
    }
    await runCli(['backup', '--db', `postgresql://postgres@127.0.0.1:${pg.port}/gone`, '--to', to], env);
    await runCli(['notify', 'add-webhook', 'weekly', '--url-env', 'HOOK_REPORT', '--on', 'report'], env);

    const file = path.join(home.HOME, 'report.html');
    const start = hook.received.length;
    const r = await runCli(['report', '--to', to, '--html', file, '--send'], env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Lifeboat status \S+ – \S+: WARNING, 2 backup\(s\), 1 failure\(s\)\./);
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<rect /g)).toHaveLength(2);
    expect(html).toContain('Failures in the period</th><td>1</td>');
    expect(html).toContain('never verified');
    expect(html).not.toMatch(/<script|(src|href)="http/);
    const sent = hook.received.slice(start).filter((g) => g.path === '/report');
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.body)).toMatchObject({ event: 'report', title: 'Lifeboat weekly status: WARNING' });

    // `lifeboat verify` is logged too, and its stored record shows in the report.
    const verified = await runCli(['verify', '--to', to, '--latest'], env);
    expect(verified.code).toBe(0);
    const verifyLog = JSON.parse((await runCli(['log', '--kind', 'verify', '--json'], env)).stdout) as ActivityEntry[];
    expect(verifyLog).toHaveLength(1);
    expect(verifyLog[0]).toMatchObject({ outcome: 'success', summary: 'Verified: size, SHA-256 and contents match the manifest' });
    const json = JSON.parse((await runCli(['report', '--to', to, '--json'], env)).stdout) as StatusReport;
    expect(json.profiles[0]).toMatchObject({ backupsInPeriod: 2, failuresInPeriod: 1, state: 'warning', verification: { outcome: 'success', key: verifyLog[0]!.key } });
    expect(json.profiles[0]!.lastSuccessAgeHours).toBeLessThan(1);
  });
});
