import type { JobProgress } from '../../../shared/progress.js';

export type ProgressListener = (p: JobProgress) => void;

/**
 * Collects byte counts as they stream and reports at most every `intervalMs`, so a fast dump
 * does not flood the terminal or the IPC channel. Phase changes are reported at once.
 */
export class ProgressReporter {
  private readonly started = Date.now();
  private bytes = 0;
  private phase = 'starting';
  private lastEmit = 0;
  private totalBytes: number | null = null;
  /** Reports the last bytes of a burst that arrived within the interval (then the stream went quiet). */
  private trailing: NodeJS.Timeout | null = null;

  constructor(
    private readonly jobId: string,
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs = 250,
  ) {}

  setPhase(phase: string, totalBytes: number | null = null): void {
    this.phase = phase;
    this.totalBytes = totalBytes;
    this.emit(true);
  }

  addBytes(n: number): void {
    this.bytes += n;
    this.emit(false);
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }

  get totalBytesSoFar(): number {
    return this.bytes;
  }

  private emit(force: boolean): void {
    if (!this.listener) return;
    const now = Date.now();
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
    this.listener({
      jobId: this.jobId,
      phase: this.phase,
      bytes: this.bytes,
      rate: elapsedMs > 0 ? Math.round((this.bytes * 1000) / elapsedMs) : 0,
      elapsedMs,
      totalBytes: this.totalBytes,
    });
  }

  /** Emits the final figures regardless of throttling. */
  flush(): void {
    this.emit(true);
  }
}
