import { describe, expect, it } from 'vitest';
import type { NewActivity } from '../../electron/engine/activity/activity-log.js';
import { LifeboatError } from '../../electron/engine/errors.js';
import { Scheduler, type ScheduleActions, type SchedulerEvent } from '../../electron/engine/scheduler/scheduler.js';
import { memoryStateStore } from '../../electron/engine/scheduler/scheduler-state.js';
import { scheduleSchema, type Schedule, type ScheduleInput } from '../../shared/schedule.js';
import { decideDue, nextRuns, timingProblem } from '../../shared/schedule-slots.js';
import { FakeClock } from '../support/fake-clock.js';

function schedule(over: Partial<ScheduleInput> = {}): Schedule {
  return scheduleSchema.parse({ name: 'shop', db: 'postgresql://app@db/shop', to: 's3://bk', when: { daily: '03:00' }, timezone: 'UTC', createdAt: '2026-05-01T00:00:00Z', retryDelaySeconds: 60, ...over });
}

interface Harness {
  clock: FakeClock;
  scheduler: Scheduler;
  backups: { at: string; attempt: number }[];
  prunes: string[];
  verifies: string[];
  log: NewActivity[];
  events: SchedulerEvent[];
  store: ReturnType<typeof memoryStateStore>;
}

function harness(start: string, opts: { backup?: (n: number) => Promise<void>; state?: Parameters<typeof memoryStateStore>[0] } = {}): Harness {
  const clock = new FakeClock(start);
  const h: Omit<Harness, 'scheduler'> = { clock, backups: [], prunes: [], verifies: [], log: [], events: [], store: memoryStateStore(opts.state ?? {}) };
  let n = 0;
  const actions: ScheduleActions = {
    async backup(_s, _signal, attempt) {
      h.backups.push({ at: clock.now().toISOString(), attempt });
      await opts.backup?.(++n);
      return { key: `k${n}`, sizeBytes: 10, dbName: 'shop' };
    },
    prune: () => {
      h.prunes.push(clock.now().toISOString());
      return Promise.resolve({ deleted: 0 });
    },
    verify: () => {
      h.verifies.push(clock.now().toISOString());
      return Promise.resolve({ key: 'k' });
    },
  };
  const scheduler = new Scheduler({
    clock,
    store: h.store,
    actions,
    log: { append: (e) => Promise.resolve(void h.log.push(e)) },
    onEvent: (e) => void h.events.push(e),
    // Fake time has no real sleep to detect; long timers keep these day-long runs fast.
    maxTimerMs: 6 * 3_600_000,
  });
  return { ...h, scheduler };
}

describe('schedule slots (croner, time zones, DST)', () => {
  it('daily HH:MM is local to the schedule’s time zone', () => {
    const runs = nextRuns({ when: { daily: '03:00' }, timezone: 'Europe/Berlin' }, new Date('2026-01-10T12:00:00Z'), 3);
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-01-11T02:00:00.000Z', '2026-01-12T02:00:00.000Z', '2026-01-13T02:00:00.000Z']);
  });

  it('Europe/Berlin spring forward: 02:30 does not exist on 29 March, runs once at the end of the gap', () => {
    const runs = nextRuns({ when: { daily: '02:30' }, timezone: 'Europe/Berlin' }, new Date('2026-03-27T12:00:00Z'), 4).map((d) => d.toISOString());
    expect(runs).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  });

  it('Europe/Berlin fall back: 02:30 happens twice on 25 October, runs once', () => {
    const runs = nextRuns({ when: { daily: '02:30' }, timezone: 'Europe/Berlin' }, new Date('2026-10-23T12:00:00Z'), 4).map((d) => d.toISOString());
    expect(runs).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  });

  it('America/New_York: spring forward on 8 March and fall back on 1 November', () => {
    const spring = nextRuns({ when: { daily: '02:00' }, timezone: 'America/New_York' }, new Date('2026-03-07T12:00:00Z'), 3).map((d) => d.toISOString());
    expect(spring).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:00:00.000Z', '2026-03-10T06:00:00.000Z']);
    const fall = nextRuns({ when: { daily: '01:30' }, timezone: 'America/New_York' }, new Date('2026-10-31T12:00:00Z'), 3).map((d) => d.toISOString());
    expect(fall).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z', '2026-11-03T06:30:00.000Z']);
  });

  it('rejects bad cron expressions and unknown time zones in one sentence', () => {
    expect(timingProblem({ when: { cron: '61 * * * *' }, timezone: null })).toMatch(/is not valid/);
    expect(timingProblem({ when: { daily: '03:00' }, timezone: 'Mars/Olympus' })).toMatch(/not a known time zone/);
    expect(timingProblem({ when: { cron: '*/5 * * * * *' }, timezone: null })).toBeNull();
  });

  it('decides: on time runs, missed runs catch up once or are skipped', () => {
    const s = { when: { daily: '03:00' }, timezone: 'UTC', catchUp: true } as const;
    const last = new Date('2026-05-01T03:00:00Z');
    expect(decideDue(s, last, new Date('2026-05-01T20:00:00Z'), 60_000)).toEqual({ action: 'none', slot: null, missed: 0 });
    expect(decideDue(s, last, new Date('2026-05-02T03:00:20Z'), 60_000)).toMatchObject({ action: 'run', missed: 0 });
    expect(decideDue(s, last, new Date('2026-05-05T09:00:00Z'), 60_000)).toEqual({ action: 'catch-up', slot: new Date('2026-05-05T03:00:00Z'), missed: 3 });
    expect(decideDue({ ...s, catchUp: false }, last, new Date('2026-05-05T09:00:00Z'), 60_000)).toMatchObject({ action: 'skip-missed', missed: 4 });
  });
});

describe('scheduler with an injected clock', () => {
  it('runs a daily schedule once per day across the Berlin DST changes', async () => {
    for (const [from, to] of [['2026-03-26T00:00:00Z', '2026-04-02T00:00:00Z'], ['2026-10-22T00:00:00Z', '2026-10-29T00:00:00Z']] as const) {
      const h = harness(from);
      await h.scheduler.start([schedule({ when: { daily: '02:30' }, timezone: 'Europe/Berlin', createdAt: from, verifyEveryDays: null })]);
      await h.clock.advanceTo(to);
      await h.scheduler.stop();
      const localDays = h.backups.map((b) => new Date(b.at).toLocaleDateString('en-CA', { timeZone: 'Europe/Berlin' }));
      expect(localDays).toHaveLength(7);
      expect(new Set(localDays).size).toBe(7);
      expect(h.log.filter((e) => e.kind === 'scheduler')).toEqual([]); // nothing missed, nothing skipped
    }
  });

  it('runs a daily schedule once per day across the New York DST changes', async () => {
    for (const [from, to] of [['2026-03-05T00:00:00Z', '2026-03-12T00:00:00Z'], ['2026-10-29T00:00:00Z', '2026-11-05T00:00:00Z']] as const) {
      const h = harness(from);
      await h.scheduler.start([schedule({ when: { daily: '01:30' }, timezone: 'America/New_York', createdAt: from, verifyEveryDays: null })]);
      await h.clock.advanceTo(to);
      await h.scheduler.stop();
      const localDays = h.backups.map((b) => new Date(b.at).toLocaleDateString('en-CA', { timeZone: 'America/New_York' }));
      expect(new Set(localDays).size).toBe(localDays.length);
      expect(localDays).toHaveLength(7);
    }
  });

  it('after a sleep over two slots, catches up once on waking and logs the missed runs', async () => {
    const h = harness('2026-05-01T02:00:00Z');
    await h.scheduler.start([schedule()]);
    await h.clock.advanceTo('2026-05-01T04:00:00Z');
    expect(h.backups.map((b) => b.at)).toEqual(['2026-05-01T03:00:00.000Z']);
    h.clock.jump(2.5 * 86_400_000); // asleep until 2026-05-03T16:00Z: two slots missed
    await h.clock.advance(1000); // the capped timer fires late, as after a real sleep
    expect(h.backups.map((b) => b.at)).toEqual(['2026-05-01T03:00:00.000Z', '2026-05-03T16:00:00.000Z']);
    expect(h.log.find((e) => e.kind === 'scheduler')?.summary).toMatch(/Catching up the missed run of 2026-05-03T03:00:00.000Z once \(and 1 earlier missed slot/);
    expect(h.events.find((e) => e.type === 'run-started' && e.catchUp)).toBeTruthy();
    await h.clock.advanceTo('2026-05-04T03:00:30Z');
    expect(h.backups).toHaveLength(3);
    await h.scheduler.stop();
  });

  it('with catch-up off, a missed slot is skipped and logged', async () => {
    const h = harness('2026-05-01T02:00:00Z');
    await h.scheduler.start([schedule({ catchUp: false })]);
    h.clock.jump(86_400_000 + 3_600_000 * 2); // 2026-05-02T04:00Z
    await h.clock.advance(1000);
    expect(h.backups).toEqual([]);
    expect(h.log.map((e) => [e.outcome, e.summary])).toEqual([['skipped', expect.stringMatching(/Missed the run of 2026-05-02T03:00:00.000Z \(2 missed in all\); catch-up is off/)]]);
    await h.scheduler.stop();
  });

  it('catches up once on start when the app was closed during a slot', async () => {
    const h = harness('2026-05-04T08:00:00Z', { state: { shop: { lastSlot: '2026-05-01T03:00:00.000Z', lastRunAt: null, lastOutcome: 'success', lastSuccessAt: null, lastVerifyAt: null, lastTakenElsewhere: null } } });
    await h.scheduler.start([schedule()]);
    await h.clock.advance(10);
    expect(h.backups.map((b) => b.at)).toEqual(['2026-05-04T08:00:00.000Z']);
    expect(h.store.state.shop?.lastSlot).toBe('2026-05-04T03:00:00.000Z');
    await h.scheduler.stop();
  });

  it('never overlaps runs of the same profile: a slot during a long run is skipped', async () => {
    let release: () => void = () => undefined;
    const h = harness('2026-05-01T00:00:30Z', { backup: (n) => (n === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve()) });
    await h.scheduler.start([schedule({ when: { cron: '* * * * *' }, verifyEveryDays: null }), schedule({ name: 'shop-too', when: { cron: '*/2 * * * *' }, verifyEveryDays: null })]);
    await h.clock.advanceTo('2026-05-01T00:03:30Z');
    expect(h.backups).toHaveLength(1);
    expect(h.scheduler.isRunning('shop')).toBe(true);
    expect(h.log.filter((e) => e.outcome === 'skipped').map((e) => e.summary)).toEqual([
      'Skipped the run of 2026-05-01T00:02:00.000Z: the previous run of shop is still going',
      'Skipped the run of 2026-05-01T00:02:00.000Z: the previous run of shop is still going',
      'Skipped the run of 2026-05-01T00:03:00.000Z: the previous run of shop is still going',
    ]);
    release();
    await h.clock.advanceTo('2026-05-01T00:04:30Z');
    expect(h.backups).toHaveLength(2);
    await h.scheduler.stop();
  });

  it('retries a failed backup with doubling delays, then prunes and verifies after success', async () => {
    const h = harness('2026-05-01T02:59:00Z', { backup: (n) => (n < 3 ? Promise.reject(new LifeboatError('STORAGE_UNREACHABLE', 'Cannot reach the storage.')) : Promise.resolve()) });
    await h.scheduler.start([schedule({ retries: 3, retryDelaySeconds: 60 })]);
    await h.clock.advanceTo('2026-05-01T03:10:00Z');
    expect(h.backups).toEqual([
      { at: '2026-05-01T03:00:00.000Z', attempt: 1 },
      { at: '2026-05-01T03:01:00.000Z', attempt: 2 },
      { at: '2026-05-01T03:03:00.000Z', attempt: 3 },
    ]);
    expect(h.log.filter((e) => /retrying/.test(e.summary)).map((e) => e.summary)).toEqual(['Attempt 1 of 4 failed; retrying in 60 s', 'Attempt 2 of 4 failed; retrying in 120 s']);
    expect(h.prunes).toEqual(['2026-05-01T03:03:00.000Z']);
    expect(h.verifies).toEqual(['2026-05-01T03:03:00.000Z']);
    expect(h.events.filter((e) => e.type === 'run-finished')).toEqual([{ type: 'run-finished', schedule: 'shop', outcome: 'success', key: 'k3', error: null, attempts: 3 }]);
    await h.scheduler.stop();
  });

  it('gives up after the last retry: failure event, no retention pass', async () => {
    const h = harness('2026-05-01T02:59:00Z', { backup: () => Promise.reject(new LifeboatError('PG_UNREACHABLE', 'Cannot reach the server.')) });
    await h.scheduler.start([schedule({ retries: 1, retryDelaySeconds: 10 })]);
    await h.clock.advanceTo('2026-05-01T03:10:00Z');
    expect(h.backups).toHaveLength(2);
    expect(h.prunes).toEqual([]);
    expect(h.events.at(-1)).toEqual({ type: 'run-finished', schedule: 'shop', outcome: 'failure', key: null, error: 'Cannot reach the server.', attempts: 2 });
    expect(h.store.state.shop?.lastOutcome).toBe('failure');
    await h.scheduler.stop();
  });

  it('verifies the newest backup weekly, not after every daily backup', async () => {
    const h = harness('2026-05-01T00:00:00Z');
    await h.scheduler.start([schedule({ createdAt: '2026-05-01T00:00:00Z' })]);
    await h.clock.advanceTo('2026-05-15T12:00:00Z');
    expect(h.backups).toHaveLength(15);
    expect(h.verifies).toEqual(['2026-05-01T03:00:00.000Z', '2026-05-08T03:00:00.000Z', '2026-05-15T03:00:00.000Z']);
    await h.scheduler.stop();
  });

  it('stop() cancels a running job, which ends cancelled', async () => {
    const h = harness('2026-05-01T02:59:59Z', {
      backup: () => new Promise<void>(() => undefined),
    });
    const s = schedule();
    // A backup that only ends on abort, as the real one does.
    const original = h.scheduler['opts'].actions.backup.bind(h.scheduler['opts'].actions);
    h.scheduler['opts'].actions.backup = (sch, signal, attempt, slot) =>
      new Promise((_, reject) => {
        void original(sch, signal, attempt, slot);
        signal.addEventListener('abort', () => reject(new LifeboatError('CANCELLED', 'The backup was cancelled; nothing was kept.')));
      });
    await h.scheduler.start([s]);
    await h.clock.advanceTo('2026-05-01T03:00:05Z');
    expect(h.scheduler.isRunning('shop')).toBe(true);
    await h.scheduler.stop();
    expect(h.events.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'cancelled', attempts: 1 });
  });
});

describe('calendar of scheduled runs', () => {
  it('lists the runs of enabled schedules in a range, in time order', async () => {
    const { scheduledRunsBetween } = await import('../../shared/schedule-slots.js');
    const runs = scheduledRunsBetween(
      [
        { name: 'nightly', enabled: true, when: { daily: '03:00' }, timezone: 'UTC' },
        { name: 'six-hourly', enabled: true, when: { cron: '0 */6 * * *' }, timezone: 'UTC' },
        { name: 'off', enabled: false, when: { cron: '* * * * *' }, timezone: 'UTC' },
      ],
      new Date('2026-05-01T00:00:00Z'),
      new Date('2026-05-02T00:00:00Z'),
    );
    expect(runs.map((r) => `${r.schedule}@${r.at.toISOString().slice(11, 16)}`)).toEqual(['six-hourly@00:00', 'nightly@03:00', 'six-hourly@06:00', 'six-hourly@12:00', 'six-hourly@18:00']);
  });
});

describe('scheduler robustness', () => {
  it('keeps running when the activity log and the state file cannot be written', async () => {
    const clock = new FakeClock('2026-05-01T02:59:00Z');
    const backups: string[] = [];
    const scheduler = new Scheduler({
      clock,
      store: { load: () => Promise.resolve({}), save: () => Promise.reject(new Error('disk full')) },
      actions: {
        backup: () => {
          backups.push(clock.now().toISOString());
          return Promise.reject(new LifeboatError('PG_UNREACHABLE', 'down'));
        },
        prune: () => Promise.resolve({ deleted: 0 }),
        verify: () => Promise.resolve(null),
      },
      log: { append: () => Promise.reject(new Error('disk full')) },
      maxTimerMs: 6 * 3_600_000,
    });
    await scheduler.start([schedule({ retries: 1, retryDelaySeconds: 1 })]);
    await clock.advanceTo('2026-05-03T04:00:00Z');
    expect(backups).toEqual(['2026-05-01T03:00:00.000Z', '2026-05-01T03:00:01.000Z', '2026-05-02T03:00:00.000Z', '2026-05-02T03:00:01.000Z', '2026-05-03T03:00:00.000Z', '2026-05-03T03:00:01.000Z']);
    await scheduler.stop();
  });
});

describe('run now (`lifeboat scheduler run-now`, the app\'s "Run now")', () => {
  it('runs one schedule once, as its slot would (backup, retention, verification when due), keeping its slot and the other schedules\' state', async () => {
    const other = { lastSlot: '2026-05-01T03:00:00.000Z', lastRunAt: '2026-05-01T03:00:01.000Z', lastOutcome: 'failure' as const, lastSuccessAt: null, lastVerifyAt: null, lastTakenElsewhere: null };
    const mine = { lastSlot: '2026-05-10T03:00:00.000Z', lastRunAt: '2026-05-10T03:00:01.000Z', lastOutcome: 'success' as const, lastSuccessAt: '2026-05-10T03:00:01.000Z', lastVerifyAt: '2026-05-01T03:00:05.000Z', lastTakenElsewhere: null };
    const h = harness('2026-05-10T12:00:00Z', { state: { shop: mine, other } });
    const r = await h.scheduler.runNow(schedule());
    expect(r).toEqual({ schedule: 'shop', outcome: 'success', key: 'k0', error: null, attempts: 1, cause: null });
    expect(h.backups).toEqual([{ at: '2026-05-10T12:00:00.000Z', attempt: 1 }]);
    expect(h.prunes).toHaveLength(1);
    expect(h.verifies).toHaveLength(1); // the last verification is 9 days old
    expect(h.store.state.other).toEqual(other);
    expect(h.store.state.shop).toMatchObject({ lastSlot: mine.lastSlot, lastRunAt: '2026-05-10T12:00:00.000Z', lastOutcome: 'success', lastVerifyAt: '2026-05-10T12:00:00.000Z' });
    expect(h.log.find((e) => e.details.runNow === true)?.summary).toBe('Running "shop" now, as asked (not one of its scheduled slots)');
    expect(h.events.filter((e) => e.type === 'run-finished')).toEqual([{ type: 'run-finished', schedule: 'shop', outcome: 'success', key: 'k0', error: null, attempts: 1 }]);
  });

  it('says how a failed run ended, after the schedule\'s retries', async () => {
    const h = harness('2026-05-10T12:00:00Z', { backup: () => Promise.reject(new LifeboatError('PG_UNREACHABLE', 'Cannot reach the server.')) });
    const run = h.scheduler.runNow(schedule({ retries: 1, retryDelaySeconds: 10 }));
    await h.clock.advanceTo('2026-05-10T12:01:00Z');
    const r = await run;
    expect(r).toMatchObject({ outcome: 'failure', error: 'Cannot reach the server.', attempts: 2 });
    expect((r.cause as LifeboatError).code).toBe('PG_UNREACHABLE');
    expect(h.prunes).toEqual([]);
  });

  it('is refused while a run of the same database is going', async () => {
    let release: () => void = () => undefined;
    const h = harness('2026-05-01T00:00:30Z', { backup: (n) => (n === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve()) });
    await h.scheduler.start([schedule({ when: { cron: '* * * * *' }, verifyEveryDays: null })]);
    await h.clock.advanceTo('2026-05-01T00:01:30Z');
    expect(h.scheduler.isRunning('shop')).toBe(true);
    await expect(h.scheduler.runNow(schedule({ name: 'shop-too' }))).rejects.toThrow('A run of the schedule "shop" for the same database is still going; try again when it has finished.');
    release();
    await h.scheduler.stop();
  });
});
