/** What every long job reports while it runs; throttled by the engine. */
export interface JobProgress {
  jobId: string;
  phase: string;
  /** Bytes moved so far in the current phase (stored bytes for a backup). */
  bytes: number;
  /** Bytes per second over the whole job so far. */
  rate: number;
  elapsedMs: number;
  /** Total bytes of the phase when known (downloads, verify, restore) or estimated (backup), otherwise null. */
  totalBytes: number | null;
  /**
   * How the total was found: 'exact' (an object's size), 'previous backup' or 'size on disk' (a
   * backup's guess, to be shown as an estimate). Absent from older engines: treat as exact.
   */
  totalSource?: TotalSource | null;
  /** 0–100, whole percent, when there is a total; an estimate never claims 100 before the end. */
  percent?: number | null;
  /** Milliseconds left at the smoothed rate, or null while it cannot be told (no total, too early, past the estimate). */
  etaMs?: number | null;
}

export type TotalSource = 'exact' | 'previous backup' | 'size on disk';

export function isEstimate(p: Pick<JobProgress, 'totalSource'>): boolean {
  return p.totalSource === 'previous backup' || p.totalSource === 'size on disk';
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** "about 3 min left", "12 s left": rounded the way people read a time left, never falsely precise. */
export function formatTimeLeft(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s left`;
  const m = Math.round(s / 60);
  if (m < 60) return `about ${m} min left`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return `about ${h} h${rest ? ` ${rest} min` : ''} left`;
}

/** "42%", "about 42%" for an estimate, or null without a total. */
export function formatPercent(p: Pick<JobProgress, 'percent' | 'totalSource'>): string | null {
  if (p.percent === null || p.percent === undefined) return null;
  return `${isEstimate(p) ? 'about ' : ''}${p.percent}%`;
}
