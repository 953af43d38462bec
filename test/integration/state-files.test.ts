// Local state files and `lifeboat scheduler run`, with real processes: damaged files stop the
// scheduler at start with one sentence, an invalid schedule is skipped out loud, SIGTERM always
// ends it, and writers in several processes never lose an update. No database or storage needed:
// the schedules point at a closed port, so each backup fails fast.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAutomationService } from '../../electron/app-service/automation-service.js';
import type { TargetRepository } from '../../electron/app-service/target-repository.js';
import type { ActivityEntry } from '../../shared/activity.js';
import type { LifeboatNotification } from '../../shared/notification.js';
import { startCliProcess } from '../support/cli-process.js';
import { runCli, tempHome } from '../support/cli.js';
import { waitFor } from '../support/webhook-receiver.js';

const root = path.resolve(import.meta.dirname, '../..');

function schedule(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, db: 'postgresql://nobody@127.0.0.1:1/none', to: 'file:///nonexistent-lifeboat-test', when: { cron: '0 3 * * *' }, timezone: 'UTC', retries: 0, retention: null, verifyEveryDays: null, createdAt: '2026-01-01T00:00:00Z', ...over };
}

async function home(files: { automation?: unknown; state?: string }): Promise<Awaited<ReturnType<typeof tempHome>>> {
  const env = await tempHome();
  await mkdir(env.LIFEBOAT_HOME, { recursive: true });
  if (files.automation !== undefined) await writeFile(path.join(env.LIFEBOAT_HOME, 'automation.json'), typeof files.automation === 'string' ? files.automation : JSON.stringify(files.automation));
  if (files.state !== undefined) await writeFile(path.join(env.LIFEBOAT_HOME, 'scheduler-state.json'), files.state);
  return env;
}

async function activity(lifeboatHome: string): Promise<ActivityEntry[]> {
  const text = await readFile(path.join(lifeboatHome, 'activity', 'activity.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ActivityEntry);
}

describe('scheduler run on damaged state', () => {
  it('exits non-zero at start, naming the damaged file, and leaves it as it was', async () => {
    const valid = { version: 1, schedules: [schedule('nightly')] };
    const cases: [{ automation?: unknown; state?: string }, string, RegExp][] = [
      [{ automation: '{"version":1,"schedules":[' }, 'automation.json', /automation\.json is damaged \(it is not valid JSON\)/],
      [{ automation: { version: 1, schedules: [{ ...schedule('nightly'), retries: 'three' }] } }, 'automation.json', /automation\.json is damaged \(schedules\.0\.retries: /],
      [{ automation: valid, state: 'null' }, 'scheduler-state.json', /scheduler-state\.json is damaged \(the top level: /],
      [{ automation: valid, state: '{"nightly":"yesterday"}' }, 'scheduler-state.json', /scheduler-state\.json is damaged \(nightly: /],
      // A number here used to make the scheduler spin at 100% CPU, deaf to SIGTERM.
      [{ automation: valid, state: '{"nightly":{"lastSlot":0}}' }, 'scheduler-state.json', /scheduler-state\.json is damaged \(nightly\.lastSlot: /],
    ];
    for (const [files, name, message] of cases) {
      const env = await home(files);
      const file = path.join(env.LIFEBOAT_HOME, name);
      const before = await readFile(file, 'utf8');
      const r = await runCli(['scheduler', 'run'], env);
      expect(r.code, name).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/never resets it: fix it by hand or move it aside/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await readFile(file, 'utf8')).toBe(before);
    }
  });

  it('skips only the schedule with a bad time zone or cron, says so in the log and `scheduler list`, and runs the others', async () => {
    const env = await home({
      automation: { version: 1, schedules: [schedule('bad-zone', { timezone: 'Mars/Olympus' }), schedule('bad-cron', { when: { cron: '61 * * * *' } }), schedule('good', { createdAt: '2000-01-01T00:00:00Z' })] },
    });
    const proc = startCliProcess(['scheduler', 'run'], env);
    try {
      // The good one catches up its missed slot at once (and fails: nothing listens on port 1).
      await waitFor('the good schedule’s backup', async () => (await activity(env.LIFEBOAT_HOME)).find((e) => e.kind === 'backup' && e.profile === 'good'));
    } finally {
      expect(await proc.stop()).toBe(0);
    }
    expect(proc.output()).toContain('The schedule "bad-zone" cannot run: "Mars/Olympus" is not a known time zone');
    expect(proc.output()).toMatch(/Scheduler running 1 schedule\(s\): good/);
    const skipped = (await activity(env.LIFEBOAT_HOME)).filter((e) => e.kind === 'scheduler' && e.outcome === 'failure');
    expect(skipped.map((e) => e.profile).sort()).toEqual(['bad-cron', 'bad-zone']);
    expect((await activity(env.LIFEBOAT_HOME)).filter((e) => e.kind === 'backup' && e.profile !== 'good')).toEqual([]);
    const list = await runCli(['scheduler', 'list'], env);
    expect(list.stdout).toMatch(/bad-zone: .*SKIPPED by the scheduler: "Mars\/Olympus" is not a known time zone/);
    const none = await home({ automation: { version: 1, schedules: [schedule('bad-zone', { timezone: 'Mars/Olympus' })] } });
    const r = await runCli(['scheduler', 'run'], none);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/None of the enabled schedules can run \("bad-zone": "Mars\/Olympus" is not a known time zone/);
  });
});

describe('the app’s scheduler on damaged state', () => {
  it('does not idle in silence: start fails with the file named, the desktop and the log say so, the schedule calls fail with it', async () => {
    const env = await home({ automation: { version: 1, schedules: [schedule('t1', { profile: 't1' })] }, state: '{"t1":{"lastSlot":0}}' });
    const desktop: LifeboatNotification[] = [];
    const service = createAutomationService({ env: { ...process.env, ...env }, emit: () => undefined, targets: {} as TargetRepository, desktop: (n) => void desktop.push(n) });
    await expect(service.start()).rejects.toMatchObject({ code: 'STATE_DAMAGED', message: expect.stringContaining('scheduler-state.json is damaged') });
    expect(desktop).toEqual([expect.objectContaining({ type: 'failure', title: 'Scheduled backups are not running', text: expect.stringContaining('scheduler-state.json') })]);
    expect((await activity(env.LIFEBOAT_HOME)).map((e) => [e.kind, e.outcome, e.summary])).toEqual([['scheduler', 'failure', expect.stringContaining('The scheduler did not start')]]);
    await expect(service.handlers['schedules.list']({})).rejects.toMatchObject({ code: 'STATE_DAMAGED' });
    await service.shutdown();
  });
});

describe('scheduler run ends on SIGTERM', () => {
  it('a per-minute schedule created years ago (which used to walk every minute since) still stops at SIGTERM', async () => {
    const env = await home({ automation: { version: 1, schedules: [schedule('every-minute', { when: { cron: '* * * * *' }, createdAt: '2001-01-01T00:00:00Z' })] } });
    const proc = startCliProcess(['scheduler', 'run'], env);
    await waitFor('the scheduler to start', () => Promise.resolve(/Scheduler running 1 schedule/.test(proc.output())));
    const code = await Promise.race([proc.stop(), new Promise<string>((r) => setTimeout(() => r('still running 15 s after SIGTERM'), 15_000))]);
    expect(code).toBe(0);
  });

  it('--max-concurrent is checked', async () => {
    const env = await home({ automation: { version: 1, schedules: [schedule('n')] } });
    const r = await runCli(['scheduler', 'run', '--max-concurrent', '0'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--max-concurrent must be a whole number from 1 to 64, not "0"');
  });
});

describe('writers in several processes', () => {
  it('never lose an update: 8 CLIs adding webhooks at once, 4 processes adding 15 temp-database records each', async () => {
    const env = await home({});
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => runCli(['notify', 'add-webhook', `hook${i}`, '--url-env', `HOOK_${i}`], env)));
    expect(results.map((r) => r.stderr)).toEqual(Array.from({ length: 8 }, () => ''));
    const config = JSON.parse(await readFile(path.join(env.LIFEBOAT_HOME, 'automation.json'), 'utf8')) as { notifications: { webhooks: { name: string }[] } };
    expect(config.notifications.webhooks.map((w) => w.name).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `hook${i}`).sort());

    const registry = path.join(root, 'dist/electron/engine/restore/temp-registry.js');
    const script = `
      const { TempRegistry } = await import(${JSON.stringify(registry)});
      const r = new TempRegistry(process.env);
      for (let i = 0; i < 15; i++) await r.add({ name: 'lifeboat_db_20260101_000000_' + process.argv[1] + '_' + i, server: 's', serverUrl: null, createdAt: 'now', key: 'k', purpose: 'restore' });
    `;
    const codes = await Promise.all(
      Array.from({ length: 4 }, (_, p) => new Promise<number | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', script, String(p)], { env: { ...process.env, ...env }, stdio: 'inherit' }).on('exit', resolve))),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    const recorded = JSON.parse(await readFile(path.join(env.LIFEBOAT_HOME, 'temp-databases.json'), 'utf8')) as { databases: unknown[] };
    expect(recorded.databases).toHaveLength(60);
  });
});
