// The pure parts of restore drills: recovery-time targets as typed, the drill history read back
// from the activity log (trend, warning), the report's lines, reading version-1 verify records,
// and the scheduler's warning for a drill slower than the schedule's target.
import { describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import { drillPointsOf, drillWarning, summarizeDrills } from '../../shared/drill.js';
import { durationText, parseDuration, parseRtoTarget } from '../../shared/duration.js';
import { buildStatusReport, reportSummary } from '../../shared/report.js';
import { renderReportHtml } from '../../shared/report-html.js';
import { scheduleSchema } from '../../shared/schedule.js';
import { verifyRecordSchema } from '../../shared/verify-record.js';
import { notificationFor } from '../../electron/engine/scheduler/scheduler-host.js';
import { Scheduler, type SchedulerEvent } from '../../electron/engine/scheduler/scheduler.js';
import { memoryStateStore } from '../../electron/engine/scheduler/scheduler-state.js';
import { FakeClock } from '../support/fake-clock.js';

const MIN = 60_000;

function drillEntry(at: string, over: Partial<ActivityEntry> & { details?: ActivityEntry['details'] } = {}): ActivityEntry {
  return { id: at, kind: 'verify', outcome: 'success', profile: 'shop', startedAt: at, endedAt: at, durationMs: 0, bytes: null, storage: null, key: `k-${at}`, summary: '', error: null, ...over, details: { drill: true, depth: 'deep', server: '127.0.0.1:5432', ...over.details } };
}

describe('recovery-time targets as typed', () => {
  it('reads 15m, 1h30m, 90s, "1h 5m"; writes them back short', () => {
    expect([parseDuration('15m'), parseDuration('1h30m'), parseDuration('90s'), parseDuration('1h 5m'), parseDuration('2H')]).toEqual([15 * MIN, 90 * MIN, 90_000, 65 * MIN, 120 * MIN]);
    expect([durationText(15 * MIN), durationText(90 * MIN), durationText(90_000), durationText(3_600_000)]).toEqual(['15m', '1h30m', '1m30s', '1h']);
  });

  it('refuses what is not a duration in one sentence; empty or "none" clears the target', () => {
    for (const bad of ['15', '15 minutes', '-5m', '0m', 'm', '1.5h', '15m10h']) {
      const r = parseRtoTarget(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.problem).toMatch(/^".+" is not a recovery-time target; give a duration like 15m, 1h30m or 90s \(or "none" for no target\)\.$/);
    }
    expect(parseRtoTarget('')).toEqual({ ok: true, ms: null });
    expect(parseRtoTarget('none')).toEqual({ ok: true, ms: null });
  });

  it('a schedule without rtoMs (written before targets existed) reads with none', () => {
    const s = scheduleSchema.parse({ name: 'old', when: { daily: '03:00' }, createdAt: '2026-01-01T00:00:00Z' });
    expect(s.rtoMs).toBeNull();
    expect(scheduleSchema.safeParse({ name: 'bad', when: { daily: '03:00' }, createdAt: '2026-01-01T00:00:00Z', rtoMs: 0 }).success).toBe(false);
  });
});

describe('verify records', () => {
  it('a version-1 record (before drills were measured) still reads, with drill null', () => {
    const v1 = { formatVersion: 1, key: 'database_backups/2026/01/01/shop_20260101_000000.dump', verifiedAt: '2026-01-01T00:00:00Z', depth: 'deep', outcome: 'passed', durationMs: 1200, lifeboatVersion: '0.1.0', checks: { exists: true, sizeBytes: 10, sha256Matches: true, sha256: 'ab', contentsReadable: true, tocEntries: 4, restored: true, tables: [] }, problem: null };
    expect(verifyRecordSchema.parse(v1).drill).toBeNull();
    expect(verifyRecordSchema.safeParse({ ...v1, formatVersion: 3 }).success).toBe(false);
  });
});

describe('drill history', () => {
  const log: ActivityEntry[] = [
    drillEntry('2026-11-03T03:00:00Z', { details: { recoveryMs: 10 * MIN } }),
    drillEntry('2026-11-01T03:00:00Z', { details: { recoveryMs: 8 * MIN } }),
    drillEntry('2026-11-02T03:00:00Z', { outcome: 'failure', error: { code: 'PG_UNREACHABLE', message: 'Cannot reach 127.0.0.1:1.' } }),
    drillEntry('2026-11-04T03:00:00Z', { details: { recoveryMs: 16 * MIN, overTarget: true, targetMs: 15 * MIN } }),
    // Not drills: a quick verification and a backup.
    { ...drillEntry('2026-11-04T04:00:00Z'), details: { depth: 'quick' } },
    { ...drillEntry('2026-11-04T05:00:00Z'), kind: 'backup' as const },
  ];

  it('reads the drills oldest first, failed ones without a time', () => {
    expect(drillPointsOf(log).map((p) => [p.at.slice(8, 10), p.outcome, p.recoveryMs])).toEqual([
      ['01', 'passed', 8 * MIN],
      ['02', 'failed', null],
      ['03', 'passed', 10 * MIN],
      ['04', 'passed', 16 * MIN],
    ]);
  });

  it('the last drill against the median of those before it, and against the target', () => {
    const s = summarizeDrills(drillPointsOf(log), 15 * MIN);
    expect(s).toMatchObject({ trend: 'slower', medianMs: 10 * MIN, lastOverTarget: true, targetMs: 15 * MIN });
    expect(drillWarning(s)).toBe('the last restore drill (2026-11-04) took 16m 0s, over the 15m target');
    // A target raised since then: no warning; only the last N are kept.
    expect(drillWarning(summarizeDrills(drillPointsOf(log), 20 * MIN))).toBeNull();
    expect(summarizeDrills(drillPointsOf(log), null, 2).recent.map((p) => p.at.slice(8, 10))).toEqual(['03', '04']);
    expect(summarizeDrills([], 15 * MIN)).toMatchObject({ recent: [], trend: null, lastOverTarget: false });
  });

  it('the report warns about a slow last drill and lists the recent ones', () => {
    const report = buildStatusReport([{ name: 'shop', storage: 's3://bk', backups: [], activity: log, rtoMs: 15 * MIN }], new Date('2026-11-01T00:00:00Z'), new Date('2026-11-05T00:00:00Z'));
    expect(report.profiles[0]?.problems).toContain('the last restore drill (2026-11-04) took 16m 0s, over the 15m target');
    const text = reportSummary(report);
    expect(text).toContain('  restore drills (last 4, oldest first): 8m 0s, FAILED, 10m 0s, 16m 0s (over target); trend slower; target 15m');
    expect(text).toContain('  WARNING: the last restore drill (2026-11-04) took 16m 0s, over the 15m target.');
    expect(renderReportHtml(report)).toContain('<tr><th>Restore drills</th><td>restore drills (last 4, oldest first): 8m 0s, FAILED, 10m 0s, 16m 0s (over target); trend slower; target 15m</td></tr>');
  });
});

describe('the scheduler and a slow drill', () => {
  it('emits a warning (not a failure of the run) when the drill took longer than the target, and notifies it', async () => {
    const clock = new FakeClock('2026-11-30T02:59:00Z');
    const events: SchedulerEvent[] = [];
    let recoveryMs = 20 * MIN;
    const scheduler = new Scheduler({
      clock,
      store: memoryStateStore({}),
      actions: {
        backup: () => Promise.resolve({ key: 'k1', sizeBytes: 1, dbName: 'shop' }),
        prune: () => Promise.resolve({ deleted: 0 }),
        verify: () => Promise.resolve({ key: 'k1', drill: { recoveryMs, targetMs: 15 * MIN, overTarget: recoveryMs > 15 * MIN } }),
      },
      log: { append: () => Promise.resolve() },
      onEvent: (e) => void events.push(e),
    });
    const s = scheduleSchema.parse({ name: 'shop', when: { daily: '03:00' }, timezone: 'UTC', createdAt: '2026-11-01T00:00:00Z', verifyEveryDays: 0.5, rtoMs: 15 * MIN });
    const r = await scheduler.runNow(s);
    expect(r.outcome).toBe('success');
    const slow = events.find((e) => e.type === 'drill-over-target');
    expect(slow).toEqual({ type: 'drill-over-target', schedule: 'shop', key: 'k1', recoveryMs: 20 * MIN, targetMs: 15 * MIN });
    const n = notificationFor(slow!, clock.now());
    expect(n).toMatchObject({ type: 'failure', title: 'Restore drill slower than its target: shop', details: { warning: true } });
    expect(n?.text).toMatch(/^The restore drill of k1 took 20m 0s, over the schedule's 15m recovery-time target; .+`lifeboat scheduler edit shop --rto …`\.$/);
    // Under the target: no warning.
    recoveryMs = 5 * MIN;
    events.length = 0;
    await clock.advance(86_400_000);
    await scheduler.runNow(s);
    expect(events.some((e) => e.type === 'drill-over-target')).toBe(false);
    expect(events.some((e) => e.type === 'verify-finished')).toBe(true);
  });
});
