// Percent and time left from a smoothed rate, on a hand-moved clock (no wall clock anywhere).
import { describe, expect, it } from 'vitest';
import { EtaEstimator } from '../../electron/engine/jobs/eta-estimator.js';
import { ProgressReporter } from '../../electron/engine/jobs/progress-reporter.js';
import { progressLine } from '../../electron/cli/output.js';
import { formatTimeLeft, type JobProgress } from '../../shared/progress.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const MiB = 1024 * 1024;

describe('ETA estimator', () => {
  it('tells percent at once and the time left after the warm-up, at a steady rate exactly', () => {
    const c = clock();
    const eta = new EtaEstimator(c.now, { warmupMs: 1000 });
    expect(eta.update(0, 100 * MiB)).toEqual({ percent: 0, etaMs: null });
    c.advance(500);
    expect(eta.update(5 * MiB, 100 * MiB)).toEqual({ percent: 5, etaMs: null }); // still warming up
    for (let s = 1; s <= 10; s++) {
      c.advance(500);
      eta.update((5 + 5 * s) * MiB, 100 * MiB);
    }
    // 55 MiB of 100 at 10 MiB/s: 4.5 s left.
    expect(eta.update(55 * MiB, 100 * MiB)).toEqual({ percent: 55, etaMs: 4500 });
  });

  it('smooths a sudden stall: the time left grows gently instead of jumping to infinity', () => {
    const c = clock();
    const eta = new EtaEstimator(c.now, { warmupMs: 0, smoothingMs: 5000 });
    let bytes = 0;
    eta.update(bytes, 1000 * MiB);
    for (let i = 0; i < 20; i++) {
      c.advance(1000);
      bytes += 10 * MiB;
      eta.update(bytes, 1000 * MiB);
    }
    const before = eta.update(bytes, 1000 * MiB).etaMs!;
    c.advance(1000); // one second with no bytes at all
    const after = eta.update(bytes, 1000 * MiB).etaMs!;
    expect(before).toBe(80_000);
    expect(after).toBeGreaterThan(before);
    expect(after).toBeLessThan(before * 1.3);
  });

  it('no total: neither percent nor time left; an estimate passed by the bytes: 99% and no time left', () => {
    const c = clock();
    const eta = new EtaEstimator(c.now, { warmupMs: 0 });
    expect(eta.update(10, null)).toEqual({ percent: null, etaMs: null });
    c.advance(1000);
    expect(eta.update(150, 100, true)).toEqual({ percent: 99, etaMs: null });
    c.advance(1000);
    expect(eta.update(100, 100, false)).toEqual({ percent: 100, etaMs: 0 });
  });

  it('reset starts a new phase from nothing', () => {
    const c = clock();
    const eta = new EtaEstimator(c.now, { warmupMs: 0 });
    eta.update(0, 100);
    c.advance(1000);
    expect(eta.update(50, 100).etaMs).toBe(1000);
    eta.reset();
    expect(eta.update(0, 100)).toEqual({ percent: 0, etaMs: null });
  });
});

describe('progress reporter figures', () => {
  it('carries percent, time left and the source of the total; an estimate can be replaced, an exact total not', () => {
    const c = clock();
    const seen: JobProgress[] = [];
    const r = new ProgressReporter('job-1', (p) => seen.push(p), { intervalMs: 0, now: c.now });
    r.setPhase('dumping', 1000 * MiB, 'size on disk');
    for (let i = 0; i < 4; i++) {
      c.advance(1000);
      r.addBytes(50 * MiB);
    }
    expect(seen.at(-1)).toMatchObject({ phase: 'dumping', bytes: 200 * MiB, totalSource: 'size on disk', percent: 20, etaMs: 16_000 });
    r.setTotal(400 * MiB, 'previous backup');
    expect(seen.at(-1)).toMatchObject({ totalBytes: 400 * MiB, totalSource: 'previous backup', percent: 50, etaMs: 4000 });

    r.setPhase('downloading', 100, 'exact');
    r.setTotal(5, 'previous backup');
    expect(seen.at(-1)).toMatchObject({ totalBytes: 100, totalSource: 'exact', percent: 0, etaMs: null });
  });

  it('the CLI line says percent, an estimate as an estimate, and the time left', () => {
    const line = progressLine({ jobId: 'j', phase: 'dumping', bytes: 200 * MiB, rate: 50 * MiB, elapsedMs: 4000, totalBytes: 400 * MiB, totalSource: 'previous backup', percent: 50, etaMs: 4000 });
    expect(line).toBe('dumping: about 50% · 200.0 MiB of about 400.0 MiB (previous backup) at 50.0 MiB/s · 4 s left · 4.0s');
    expect(progressLine({ jobId: 'j', phase: 'downloading', bytes: 10, rate: 5, elapsedMs: 2000, totalBytes: 100, totalSource: 'exact', percent: 10, etaMs: 125_000 })).toBe(
      'downloading: 10% · 10 B of 100 B at 5 B/s · about 2 min left · 2.0s',
    );
    expect(progressLine({ jobId: 'j', phase: 'dumping', bytes: 10, rate: 5, elapsedMs: 2000, totalBytes: null })).toBe('dumping: 10 B at 5 B/s · 2.0s');
  });

  it('time left reads as people say it', () => {
    expect(formatTimeLeft(400)).toBe('1 s left');
    expect(formatTimeLeft(42_000)).toBe('42 s left');
    expect(formatTimeLeft(7 * 60_000)).toBe('about 7 min left');
    expect(formatTimeLeft(135 * 60_000)).toBe('about 2 h 15 min left');
  });
});

describe('a backup estimates its size from the previous backup', () => {
  it('takes the newest finished backup of the same database, format and encryption, days back', async () => {
    const { MemoryStorage } = await import('../../electron/engine/storage/memory-storage.js');
    const { previousBackupSize } = await import('../../electron/engine/backup/size-estimate.js');
    const storage = new MemoryStorage('estimate', () => new Date('2026-11-30T10:00:00Z'));
    const json = { contentType: 'application/json', mode: 'create' } as const;
    const put = async (key: string, bytes: number, manifest = true): Promise<void> => {
      await storage.putSmall(key, 'x'.repeat(bytes), json);
      if (manifest) await storage.putSmall(`${key}.manifest.json`, '{}', json);
    };
    await put('database_backups/2026/11/25/shop_20260525_010000.dump', 10); // a key whose date does not match its folder
    await put('database_backups/2026/11/27/shop_20261127_010000.dump', 300);
    await put('database_backups/2026/11/27/shop_20261127_020000.dump', 400);
    await put('database_backups/2026/11/28/shop_20261128_010000.sql.gz', 50); // other format
    await put('database_backups/2026/11/28/billing_20261128_010000.dump', 60); // other database
    await put('database_backups/2026/11/29/shop_20261129_010000.dump', 70, false); // unfinished: no manifest
    const q = { prefix: 'database_backups', dbName: 'shop', format: 'custom' as const, encrypted: false, before: new Date('2026-11-30T09:00:00Z') };
    expect(await previousBackupSize(storage, q)).toBe(400);
    expect(await previousBackupSize(storage, { ...q, days: 2 })).toBeNull();
    expect(await previousBackupSize(storage, { ...q, encrypted: true })).toBeNull();
  });
});
