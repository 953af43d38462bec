// Restore drills over time: a deep verification records its recovery time in the activity log
// (flat details, see drillDetails); reports and the app read them back as points, with a trend and
// the schedule's recovery-time target (RTO). Pure.
import type { ActivityEntry } from './activity.js';
import { durationText, formatDuration } from './duration.js';
import type { DrillMeasures } from './verify-record.js';

export interface DrillPoint {
  at: string;
  key: string | null;
  outcome: 'passed' | 'failed';
  /** Null when the drill failed before the restore ended (server unreachable, restore error). */
  recoveryMs: number | null;
  /** Over the target the schedule had when it ran. */
  overTarget: boolean;
  /** host:port of the server it ran on. */
  server: string | null;
  problem: string | null;
}

export type DrillTrend = 'faster' | 'slower' | 'steady';

export interface DrillSummary {
  /** The last drills, oldest first. */
  recent: DrillPoint[];
  targetMs: number | null;
  /** The last timed drill against the median of the ones before it (±20%); null with fewer than two. */
  trend: DrillTrend | null;
  medianMs: number | null;
  /** The last drill took longer than the target (the current one, or the one it ran under). */
  lastOverTarget: boolean;
}

type Details = Record<string, string | number | boolean | null>;

/** What a drill adds to its activity-log line; `drill: true` marks the line as a drill. */
export function drillDetails(d: DrillMeasures): Details {
  return {
    drill: true,
    recoveryMs: d.recoveryMs,
    restoreMs: d.restoreMs,
    downloadedBytes: d.downloadedBytes,
    restoredBytes: d.restoredBytes,
    server: d.server.address,
    serverVersion: d.server.version,
    tablesCompared: d.tablesCompared,
    mismatches: d.mismatches,
    targetMs: d.targetMs,
    overTarget: d.overTarget,
  };
}

/** One line for people: "restored in 1m 12s on 127.0.0.1:5432 (PostgreSQL 15.20), row counts of 12 tables match". */
export function drillSentence(d: DrillMeasures): string {
  const where = `${d.server.address}${d.server.version ? ` (PostgreSQL ${d.server.version})` : ''}`;
  const rows = d.mismatches === 0 ? `row counts of ${d.tablesCompared} table(s) match` : `${d.mismatches} of ${d.tablesCompared} table(s) differ from the manifest`;
  const over = d.overTarget && d.targetMs !== null ? `, over the ${durationText(d.targetMs)} recovery-time target` : '';
  return `restored in ${formatDuration(d.recoveryMs)} on ${where}, ${rows}${over}`;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The drills in an activity log, oldest first. */
export function drillPointsOf(activity: readonly ActivityEntry[]): DrillPoint[] {
  return activity
    .filter((e) => e.kind === 'verify' && e.details.drill === true && (e.outcome === 'success' || e.outcome === 'failure'))
    .map((e) => ({
      at: e.startedAt,
      key: e.key,
      outcome: e.outcome === 'success' ? ('passed' as const) : ('failed' as const),
      recoveryMs: num(e.details.recoveryMs),
      overTarget: e.details.overTarget === true,
      server: typeof e.details.server === 'string' ? e.details.server : null,
      problem: e.error?.message ?? null,
    }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? null) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The last `lastN` drills with their trend against the target (null: no target set). */
export function summarizeDrills(points: readonly DrillPoint[], targetMs: number | null, lastN = 10): DrillSummary {
  const recent = points.slice(-lastN);
  const timed = recent.filter((p): p is DrillPoint & { recoveryMs: number } => p.recoveryMs !== null);
  const last = timed[timed.length - 1];
  const before = median(timed.slice(0, -1).map((p) => p.recoveryMs));
  let trend: DrillTrend | null = null;
  if (last && before !== null) trend = last.recoveryMs > before * 1.2 ? 'slower' : last.recoveryMs < before * 0.8 ? 'faster' : 'steady';
  const lastOverTarget = last ? (targetMs !== null ? last.recoveryMs > targetMs : last.overTarget) : false;
  return { recent, targetMs, trend, medianMs: median(timed.map((p) => p.recoveryMs)), lastOverTarget };
}

/** The report's warning when the last drill was slower than the target; null otherwise. */
export function drillWarning(s: DrillSummary): string | null {
  const last = [...s.recent].reverse().find((p) => p.recoveryMs !== null);
  if (!s.lastOverTarget || !last || last.recoveryMs === null) return null;
  const target = s.targetMs !== null ? `the ${durationText(s.targetMs)} target` : 'its target';
  return `the last restore drill (${last.at.slice(0, 10)}) took ${formatDuration(last.recoveryMs)}, over ${target}`;
}
