import { describe, expect, it } from 'vitest';
import type { NewActivity } from '../../electron/engine/activity/activity-log.js';
import { LifeboatError } from '../../electron/engine/errors.js';
import { sleep } from '../../electron/engine/scheduler/clock.js';
import { notificationFor } from '../../electron/engine/scheduler/scheduler-host.js';
import { Scheduler, type ScheduleActions, type SchedulerEvent } from '../../electron/engine/scheduler/scheduler.js';
import { memoryStateStore, type StateStore } from '../../electron/engine/scheduler/scheduler-state.js';
import { scheduleSchema, type Schedule, type ScheduleInput } from '../../shared/schedule.js';
import { decideDue } from '../../shared/schedule-slots.js';
import { FakeClock } from '../support/fake-clock.js';

function schedule(name: string, over: Partial<ScheduleInput> = {}): Schedule {
  return scheduleSchema.parse({ name, db: `postgresql://app@db/${name}`, to: 's3://bk', when: { daily: '03:00' }, timezone: 'UTC', createdAt: '2026-05-01T00:00:00Z', retries: 0, retention: null, verifyEveryDays: null, ...over });
}

/** Backups that take `minutes` of fake time each (ending early, cancelled, on abort), counting how many run at once. */
function harness(start: string, opts: { minutes?: number; maxConcurrent?: number; store?: StateStore } = {}) {
  const clock = new FakeClock(start);
  const started: string[] = [];
  const log: NewActivity[] = [];
  const events: SchedulerEvent[] = [];
  const box = { running: 0, most: 0 };
  const actions: ScheduleActions = {
    async backup(s, signal) {
      started.push(s.name);
      box.most = Math.max(box.most, ++box.running);
      try {
        await sleep(clock, (opts.minutes ?? 5) * 60_000, signal).catch(() => {
          throw new LifeboatError('CANCELLED', 'The backup was cancelled; nothing was kept.');
        });
        return { key: `k-${s.name}`, sizeBytes: 1, dbName: s.name };
      } finally {
        box.running--;
      }
    },
    prune: () => Promise.resolve({ deleted: 0 }),
    verify: () => Promise.resolve(null),
  };
  const store = opts.store ?? memoryStateStore();
  const scheduler = new Scheduler({
    clock,
    store,
    actions,
    log: { append: (e) => Promise.resolve(void log.push(e)) },
    onEvent: (e) => void events.push(e),
    maxTimerMs: 3_600_000,
    ...(opts.maxConcurrent !== undefined ? { maxConcurrent: opts.maxConcurrent } : {}),
  });
  return { clock, scheduler, started, log, events, box, store };
}

describe('scheduler concurrency limit', () => {
  it('60 backups due in the same second: never more than 2 at once (the default), all 60 run, in slot and name order', async () => {
    const h = harness('2026-05-01T02:59:00Z');
    const names = Array.from({ length: 60 }, (_, i) => `db${String(i).padStart(2, '0')}`);
    await h.scheduler.start([...names].reverse().map((n) => schedule(n)));
    await h.clock.advanceTo('2026-05-01T03:00:01Z');
    expect(h.scheduler.runningCount()).toBe(2);
    await h.clock.advanceTo('2026-05-01T06:00:00Z');
    await h.scheduler.idle();
    expect(h.box.most).toBe(2);
    expect(h.started).toEqual(names);
    expect(h.events.filter((e) => e.type === 'run-finished' && e.outcome === 'success')).toHaveLength(60);
    expect(h.log.filter((e) => /waits its turn: 2 backup\(s\) running, at most 2 at once/.test(e.summary))).toHaveLength(58);
    await h.scheduler.stop();
  });

  it('honours a configured limit', async () => {
    const h = harness('2026-05-01T02:59:00Z', { maxConcurrent: 5 });
    await h.scheduler.start(Array.from({ length: 60 }, (_, i) => schedule(`db${i}`)));
    await h.clock.advanceTo('2026-05-01T06:00:00Z');
    expect(h.box.most).toBe(5);
    expect(h.started).toHaveLength(60);
    await h.scheduler.stop();
  });

  it('runs that were still waiting when the scheduler stopped give their slot back and are caught up at the next start', async () => {
    const store = memoryStateStore();
    const first = harness('2026-05-01T02:59:00Z', { maxConcurrent: 1, minutes: 30, store });
    await first.scheduler.start(['a', 'b', 'c'].map((n) => schedule(n)));
    await first.clock.advanceTo('2026-05-01T03:00:05Z');
    expect(first.started).toEqual(['a']);
    await first.scheduler.stop();
    expect(store.state.a?.lastSlot).toBe('2026-05-01T03:00:00.000Z');
    expect(store.state.b?.lastSlot).toBeNull();
    expect(first.log.filter((e) => e.outcome === 'cancelled').map((e) => e.profile)).toEqual(['b', 'c']);

    const second = harness('2026-05-01T03:10:00Z', { maxConcurrent: 1, minutes: 1, store });
    await second.scheduler.start(['a', 'b', 'c'].map((n) => schedule(n)));
    await second.clock.advanceTo('2026-05-01T03:20:00Z');
    expect(second.started).toEqual(['b', 'c']);
    await second.scheduler.stop();
  });
});

describe('scheduler on damaged or invalid settings', () => {
  it('refuses to start on a damaged state file: the error comes out, nothing is armed', async () => {
    const damaged = new LifeboatError('STATE_DAMAGED', 'The scheduler state file /x/scheduler-state.json is damaged (nightly.lastSlot: expected string).');
    const h = harness('2026-05-01T02:59:00Z', { store: { load: () => Promise.reject(damaged), save: () => Promise.resolve() } });
    await expect(h.scheduler.start([schedule('nightly')])).rejects.toBe(damaged);
    await h.clock.advanceTo('2026-05-03T00:00:00Z');
    expect(h.started).toEqual([]);
  });

  it('skips only a schedule with a bad cron expression or time zone, and says so in the log and a failure notification', async () => {
    const h = harness('2026-05-01T02:59:00Z');
    const bad = [schedule('bad-cron', { when: { cron: '61 * * * *' } }), schedule('bad-zone', { timezone: 'Mars/Olympus' })];
    await h.scheduler.start([...bad, schedule('good')]);
    await h.clock.advanceTo('2026-05-01T04:00:00Z');
    expect(h.started).toEqual(['good']);
    expect(h.scheduler.invalidSchedules().map((i) => i.name)).toEqual(['bad-cron', 'bad-zone']);
    const failures = h.log.filter((e) => e.kind === 'scheduler' && e.outcome === 'failure');
    expect(failures.map((e) => e.summary)).toEqual([
      expect.stringMatching(/^Schedule "bad-cron" is skipped: the cron expression "61 \* \* \* \*" is not valid/),
      expect.stringMatching(/^Schedule "bad-zone" is skipped: "Mars\/Olympus" is not a known time zone/),
    ]);
    const invalid = h.events.filter((e) => e.type === 'schedule-invalid');
    expect(invalid).toHaveLength(2);
    const n = notificationFor(invalid[1] as SchedulerEvent, new Date('2026-05-01T03:00:00Z'));
    expect(n).toMatchObject({ type: 'failure', title: 'Schedule skipped: bad-zone', text: expect.stringContaining('The other schedules keep running') });

    // Reloading the same settings does not repeat the alarm; fixing the schedule clears it.
    await h.scheduler.reload([...bad, schedule('good')]);
    expect(h.events.filter((e) => e.type === 'schedule-invalid')).toHaveLength(2);
    await h.scheduler.reload([schedule('bad-zone'), schedule('good')]);
    expect(h.scheduler.invalidSchedules()).toEqual([]);
    await h.scheduler.stop();
  });

  it('never walks slot by slot through years: a per-minute schedule last run in 1970 decides at once and catches up once', async () => {
    const d = decideDue({ when: { cron: '* * * * *' }, timezone: 'Europe/Berlin', catchUp: true }, new Date(0), new Date('2026-05-01T03:00:30Z'), 60_000);
    expect(d).toEqual({ action: 'run', slot: new Date('2026-05-01T03:00:00Z'), missed: 100 });
    const store = memoryStateStore({ every: { lastSlot: '2000-01-01T00:00:00.000Z', lastRunAt: null, lastOutcome: null, lastSuccessAt: null, lastVerifyAt: null, lastTakenElsewhere: null } });
    const h = harness('2026-05-01T03:00:30Z', { store, minutes: 0 });
    await h.scheduler.start([schedule('every', { when: { cron: '* * * * *' }, createdAt: '2000-01-01T00:00:00Z' })]);
    await h.clock.advance(1000);
    expect(h.started).toEqual(['every']);
    expect(store.state.every?.lastSlot).toBe('2026-05-01T03:00:00.000Z');
    await h.scheduler.stop();
  });
});
