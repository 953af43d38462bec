import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobProgress } from '../../shared/progress.js';
import { ProgressReporter } from '../../electron/engine/jobs/progress-reporter.js';

afterEach(() => vi.useRealTimers());

describe('progress reporter', () => {
  it('reports the last bytes of a burst once the interval has passed, then stays quiet', () => {
    vi.useFakeTimers();
    const seen: JobProgress[] = [];
    const r = new ProgressReporter('job-1', (p) => seen.push(p), 250);
    r.setPhase('dumping');
    for (let i = 0; i < 10; i++) r.addBytes(1000);
    expect(seen.map((p) => p.bytes)).toEqual([0]);
    vi.advanceTimersByTime(250);
    expect(seen.map((p) => p.bytes)).toEqual([0, 10_000]);
    vi.advanceTimersByTime(5000);
    expect(seen).toHaveLength(2);
  });
});
