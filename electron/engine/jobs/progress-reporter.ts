import type { JobProgress, TotalSource } from '../../../shared/progress.js';
import { EtaEstimator } from './eta-estimator.js';

export type ProgressListener = (p: JobProgress) => void;

export interface ProgressReporterOptions {
  intervalMs?: number;
  /** Milliseconds since the epoch; injected by tests so no test depends on the wall clock. */
  now?: () => number;
}

/**
 * Collects byte counts as they stream and reports at most every `intervalMs`, so a fast dump
 * does not flood the terminal or the IPC channel. Phase changes are reported at once. Where the
 * phase's total is known (an object's size) or estimated (a backup's previous size), each report
 * carries the percent and the time left at a smoothed rate (eta-estimator.ts).
 */
export class ProgressReporter {
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly started: number;
  private readonly eta: EtaEstimator;
  private bytes = 0;
  /** `bytes` when the current phase began: percent is of the phase's own bytes. */
  private phaseStartBytes = 0;
  private currentPhase = 'starting';
  private lastEmit = 0;
  private totalBytes: number | null = null;
  private totalSource: TotalSource | null = null;
  /** Reports the last bytes of a burst that arrived within the interval (then the stream went quiet). */
  private trailing: NodeJS.Timeout | null = null;

  constructor(
    private readonly jobId: string,
    private readonly listener: ProgressListener | undefined,
    opts: number | ProgressReporterOptions = {},
  ) {
    const o = typeof opts === 'number' ? { intervalMs: opts } : opts;
    this.intervalMs = o.intervalMs ?? 250;
    this.now = o.now ?? Date.now;
    this.started = this.now();
    this.eta = new EtaEstimator(this.now);
  }

  setPhase(phase: string, totalBytes: number | null = null, source: TotalSource = 'exact'): void {
    this.currentPhase = phase;
    this.totalBytes = totalBytes;
    this.totalSource = totalBytes === null ? null : source;
    this.phaseStartBytes = this.bytes;
    this.eta.reset();
    this.emit(true);
  }

  /**
   * Sets the current phase's total once it is known (a backup's estimate arrives while the dump
   * already runs). An exact total is never replaced by an estimate.
   */
  setTotal(totalBytes: number, source: TotalSource): void {
    if (this.totalSource === 'exact') return;
    this.totalBytes = totalBytes;
    this.totalSource = source;
    // Reported at once: it happens once per job, and a fast dump may end before the next tick.
    this.emit(true);
  }

  addBytes(n: number): void {
    this.bytes += n;
    this.emit(false);
  }

  get phase(): string {
    return this.currentPhase;
  }

  get elapsedMs(): number {
    return this.now() - this.started;
  }

  get totalBytesSoFar(): number {
    return this.bytes;
  }

  private emit(force: boolean): void {
    if (!this.listener) return;
    const now = this.now();
    if (!force && now - this.lastEmit < this.intervalMs) {
      if (!this.trailing) {
        this.trailing = setTimeout(() => this.emit(true), this.intervalMs - (now - this.lastEmit));
        this.trailing.unref();
      }
      return;
    }
    if (this.trailing) {
      clearTimeout(this.trailing);
      this.trailing = null;
    }
    this.lastEmit = now;
    const elapsedMs = now - this.started;
    const estimate = this.totalSource !== null && this.totalSource !== 'exact';
    const { percent, etaMs } = this.eta.update(this.bytes - this.phaseStartBytes, this.totalBytes, estimate);
    this.listener({
      jobId: this.jobId,
      phase: this.currentPhase,
      bytes: this.bytes,
      rate: elapsedMs > 0 ? Math.round((this.bytes * 1000) / elapsedMs) : 0,
      elapsedMs,
      totalBytes: this.totalBytes,
      totalSource: this.totalSource,
      percent,
      etaMs,
    });
  }

  /** Emits the final figures regardless of throttling. */
  flush(): void {
    this.emit(true);
  }
}
