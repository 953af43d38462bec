/**
 * Percent and time left for one phase of a job. The rate is smoothed (an exponentially weighted
 * moving average over a few seconds), so a stall or a burst moves the time left gently instead of
 * making it jump; the clock is injected so tests need no wall clock.
 */
export interface EtaFigures {
  percent: number | null;
  etaMs: number | null;
}

export interface EtaOptions {
  /** How many milliseconds of history the smoothed rate mostly reflects. */
  smoothingMs?: number;
  /** No time left is told before this much of the phase has been measured (the first seconds lie). */
  warmupMs?: number;
}

export class EtaEstimator {
  private readonly smoothingMs: number;
  private readonly warmupMs: number;
  private startedAt: number | null = null;
  private lastAt = 0;
  private lastBytes = 0;
  private smoothedRate: number | null = null;

  constructor(
    private readonly now: () => number,
    opts: EtaOptions = {},
  ) {
    this.smoothingMs = opts.smoothingMs ?? 5000;
    this.warmupMs = opts.warmupMs ?? 1500;
  }

  /** A new phase starts counting from zero. */
  reset(): void {
    this.startedAt = null;
    this.smoothedRate = null;
    this.lastBytes = 0;
  }

  /**
   * Records `bytes` moved so far in the phase and returns the figures against `total`.
   * `estimate`: the total is a guess, so percent stops at 99 and the time left is dropped once
   * the bytes pass it (the job is then "almost done", not "0 s left" forever).
   */
  update(bytes: number, total: number | null, estimate = false): EtaFigures {
    const t = this.now();
    if (this.startedAt === null) {
      this.startedAt = t;
      this.lastAt = t;
      this.lastBytes = bytes;
    } else if (t > this.lastAt) {
      const sample = ((bytes - this.lastBytes) * 1000) / (t - this.lastAt);
      const alpha = 1 - Math.exp(-(t - this.lastAt) / this.smoothingMs);
      this.smoothedRate = this.smoothedRate === null ? sample : this.smoothedRate + alpha * (sample - this.smoothedRate);
      this.lastAt = t;
      this.lastBytes = bytes;
    }
    if (total === null || total <= 0) return { percent: null, etaMs: null };
    const ratio = bytes / total;
    const percent = Math.min(estimate ? 99 : 100, Math.floor(ratio * 100));
    if (bytes >= total) return { percent, etaMs: estimate ? null : 0 };
    const warm = t - this.startedAt >= this.warmupMs;
    const rate = this.smoothedRate;
    if (!warm || rate === null || rate <= 0) return { percent, etaMs: null };
    return { percent, etaMs: Math.round(((total - bytes) * 1000) / rate) };
  }
}
