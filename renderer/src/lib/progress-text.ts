import { useMemo } from 'react';
import { formatBytes, formatPercent, formatTimeLeft, isEstimate, type JobProgress } from '../../../shared/progress.js';

export interface ProgressText {
  /** "42%", "about 42%", or null without a total. */
  percent: string | null;
  /** "about 3 min left", or null while it cannot be told. */
  left: string | null;
  /** "of 1.2 GiB", "of about 1.2 GiB (estimated from the previous backup)", or null. */
  total: string | null;
  /** For <progress>: the percent when there is a total, nothing (indeterminate) otherwise. */
  bar: { value: number; max: number } | Record<string, never>;
}

const SOURCES = { 'previous backup': 'estimated from the previous backup', 'size on disk': 'estimated from the database size on disk' } as const;

/**
 * The words for a job's progress, the same in the progress view and the jobs tray. The time left
 * is the engine's (smoothed rate) minus the time since that event, so it keeps counting down
 * between events.
 */
export function progressText(p: JobProgress | null | undefined, msSinceEvent = 0): ProgressText {
  if (!p || p.totalBytes === null || p.totalBytes <= 0) return { percent: null, left: null, total: null, bar: {} };
  const estimate = isEstimate(p);
  const eta = p.etaMs === null || p.etaMs === undefined ? null : Math.max(0, p.etaMs - msSinceEvent);
  const source = estimate && p.totalSource ? ` (${SOURCES[p.totalSource as keyof typeof SOURCES]})` : '';
  return {
    percent: formatPercent(p),
    left: eta === null ? (estimate && (p.percent ?? 0) >= 99 ? 'almost done' : null) : eta === 0 ? 'finishing' : formatTimeLeft(eta),
    total: `of ${estimate ? 'about ' : ''}${formatBytes(p.totalBytes)}${source}`,
    bar: { value: p.percent ?? 0, max: 100 },
  };
}

/** progressText for a job's latest progress event, counting the time left down from when that event arrived. */
export function useProgressText(p: JobProgress | null | undefined, now: number): ProgressText {
  // A new event object is exactly when to restart the count.
  const receivedAt = useMemo(() => Date.now(), [p]);
  return progressText(p, Math.max(0, now - receivedAt));
}
