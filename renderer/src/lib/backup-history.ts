// A database's recent history, from the activity log: every backup attempt (size, duration, how
// it ended) and every verification over the last N days. Pure, so the chart's numbers are tested
// without a DOM or a clock.
import type { ActivityEntry } from '../../../shared/activity.js';
import { drillPointsOf, type DrillPoint } from '../../../shared/drill.js';

export interface HistoryPoint {
  at: string;
  ok: boolean;
  /** "success", "failure", "cancelled". */
  outcome: string;
  bytes: number | null;
  durationMs: number;
  key: string | null;
  error: string | null;
}

export interface BackupHistory {
  from: string;
  to: string;
  points: HistoryPoint[];
  succeeded: number;
  failed: number;
  medianBytes: number | null;
  medianDurationMs: number | null;
  verifications: { passed: number; failed: number; last: { at: string; ok: boolean; key: string | null } | null };
  /** Restore drills (deep verifications) in the period, oldest first; the newest per backup key for the table. */
  drills: DrillPoint[];
  drillByKey: Map<string, DrillPoint>;
}

const DAY_MS = 86_400_000;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function backupHistory(backups: readonly ActivityEntry[], verifies: readonly ActivityEntry[], now: number, days = 90): BackupHistory {
  const from = now - days * DAY_MS;
  // No upper bound: `now` is when the screen last rendered, and a run may have started since.
  const inRange = (e: ActivityEntry): boolean => Date.parse(e.startedAt) >= from;
  const points = backups
    .filter((e) => e.kind === 'backup' && (e.outcome === 'success' || e.outcome === 'failure' || e.outcome === 'cancelled') && inRange(e))
    .map((e) => ({ at: e.startedAt, ok: e.outcome === 'success', outcome: e.outcome, bytes: e.bytes, durationMs: e.durationMs, key: e.key, error: e.error?.message ?? null }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const good = points.filter((p) => p.ok);
  const checks = verifies.filter((e) => e.kind === 'verify' && (e.outcome === 'success' || e.outcome === 'failure') && inRange(e)).sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  const last = checks[0];
  const drills = drillPointsOf(checks);
  const drillByKey = new Map(drills.flatMap((d) => (d.key ? [[d.key, d] as const] : [])));
  const lastAt = points.length > 0 ? Date.parse(points[points.length - 1]!.at) : now;
  return {
    from: new Date(from).toISOString(),
    to: new Date(Math.max(now, lastAt)).toISOString(),
    points,
    succeeded: good.length,
    failed: points.filter((p) => p.outcome === 'failure').length,
    medianBytes: median(good.flatMap((p) => (p.bytes === null ? [] : [p.bytes]))),
    medianDurationMs: median(good.map((p) => p.durationMs)),
    verifications: {
      passed: checks.filter((e) => e.outcome === 'success').length,
      failed: checks.filter((e) => e.outcome === 'failure').length,
      last: last ? { at: last.startedAt, ok: last.outcome === 'success', key: last.key } : null,
    },
    drills,
    drillByKey,
  };
}
