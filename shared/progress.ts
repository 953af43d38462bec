/** What every long job reports while it runs; throttled by the engine. */
export interface JobProgress {
  jobId: string;
  phase: string;
  /** Bytes moved so far in the current phase (dump bytes for a backup). */
  bytes: number;
  /** Bytes per second over the whole job so far. */
  rate: number;
  elapsedMs: number;
  /** Total bytes when known (downloads), otherwise null. */
  totalBytes: number | null;
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
