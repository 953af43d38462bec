import { describe, expect, it } from 'vitest';
import type { BackupEntry } from '../../shared/backup-entry.js';
import { buildBackupKey } from '../../shared/backup-key.js';
import { defaultPolicy, mostKeeping, planRetention, type RetentionPolicy } from '../../shared/retention.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;

function entry(daysAgo: number, opts: Partial<BackupEntry> & { db?: string } = {}): BackupEntry {
  const createdAt = new Date(NOW.getTime() - daysAgo * DAY);
  const db = opts.db ?? 'shop';
  return {
    key: buildBackupKey({ prefix: 'database_backups', dbName: db, startedAt: createdAt, format: 'custom' }),
    dbName: db,
    createdAt: createdAt.toISOString(),
    format: 'custom',
    encrypted: false,
    sizeBytes: 1000,
    hasManifest: true,
    label: null,
    pinned: false,
    sha256: null,
    ...opts,
  };
}

const policy: RetentionPolicy = { keepDays: 30, keepLast: 3, gfs: null };

describe('retention planner', () => {
  it('keeps the window, deletes older backups and says why', () => {
    const plan = planRetention([entry(1), entry(29.9), entry(31), entry(40), entry(50), entry(60)], policy, NOW);
    expect(plan.backups.map((b) => b.action)).toEqual(['keep', 'keep', 'keep', 'delete', 'delete', 'delete']);
    expect(plan.backups[0]?.reasons).toEqual(['within-window', 'newest']);
    expect(plan.backups[2]?.reasons).toEqual(['newest']);
    expect(plan.backups[3]?.explanation).toBe('older than 30 days (40 days old) and not among the newest 3');
    expect(plan.delete).toBe(3);
    expect(plan.bytesFreed).toBe(3000);
  });

  it('after weeks of failed backups keeps the newest three, never empties the history', () => {
    const plan = planRetention([entry(45), entry(46), entry(47), entry(48)], policy, NOW);
    expect(plan.backups.map((b) => b.action)).toEqual(['keep', 'keep', 'keep', 'delete']);
  });

  it('never deletes a pinned backup, however old', () => {
    const plan = planRetention([entry(1), entry(2), entry(3), entry(400, { pinned: true, label: 'before migration 42' })], policy, NOW);
    expect(plan.backups[3]).toMatchObject({ action: 'keep', reasons: ['pinned'] });
  });

  it('counts the newest per database, so a busy database cannot push out another', () => {
    const plan = planRetention([entry(1), entry(2), entry(3), entry(4), entry(100, { db: 'crm' })], { ...policy, keepDays: 0 }, NOW);
    expect(plan.backups.find((b) => b.dbName === 'crm')?.action).toBe('keep');
    expect(plan.backups.filter((b) => b.dbName === 'shop').map((b) => b.action)).toEqual(['keep', 'keep', 'keep', 'delete']);
  });

  it('empty objects do not count among the newest successful backups', () => {
    const plan = planRetention([entry(40, { sizeBytes: 0 }), entry(41), entry(42), entry(43), entry(44)], policy, NOW);
    expect(plan.backups.map((b) => b.action)).toEqual(['delete', 'keep', 'keep', 'keep', 'delete']);
  });

  it('seed-layout backups without a manifest follow the same rules by the date in their key', () => {
    const seed = (d: number): BackupEntry => ({ ...entry(d), key: entry(d).key.replace('.dump', '.sql.gz'), format: 'plain', hasManifest: false });
    const plan = planRetention([seed(5), seed(35), seed(36), seed(37), seed(38)], policy, NOW);
    expect(plan.backups.map((b) => b.action)).toEqual(['keep', 'keep', 'keep', 'delete', 'delete']);
  });

  it('GFS keeps the newest of each day, week and month', () => {
    const history = Array.from({ length: 120 }, (_, i) => entry(i + 0.5));
    const plan = planRetention(history, { keepDays: 7, keepLast: 1, gfs: { daily: 10, weekly: 6, monthly: 4 } }, NOW);
    const kept = plan.backups.filter((b) => b.action === 'keep');
    expect(kept.filter((b) => b.reasons.includes('gfs-daily'))).toHaveLength(10);
    expect(kept.filter((b) => b.reasons.includes('gfs-weekly'))).toHaveLength(6);
    expect(kept.filter((b) => b.reasons.includes('gfs-monthly'))).toHaveLength(4);
    // Each monthly keeper is the newest backup of its month.
    for (const b of kept.filter((x) => x.reasons.includes('gfs-monthly'))) {
      const month = b.createdAt.slice(0, 7);
      const newest = plan.backups.filter((x) => x.createdAt.slice(0, 7) === month)[0];
      expect(newest?.key).toBe(b.key);
    }
  });

  it('reads BACKUP_RETENTION_DAYS and rejects a policy that could delete the last backup', () => {
    expect(defaultPolicy({ BACKUP_RETENTION_DAYS: '14' })).toEqual({ keepDays: 14, keepLast: 3, gfs: null });
    expect(defaultPolicy({})).toEqual({ keepDays: 30, keepLast: 3, gfs: null });
    expect(() => planRetention([entry(1)], { keepDays: 30, keepLast: 0, gfs: null }, NOW)).toThrow(/keep-last/);
  });
});

// A small property-style loop: random histories, random policies, fixed seed so failures replay.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('retention planner properties over random histories', () => {
  it('never deletes pinned or the newest K, keeps the window, is idempotent and stable', () => {
    const rand = rng(42);
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(rand() * 40);
      const dbs = ['a', 'b', 'c'];
      const seen = new Set<string>();
      const history: BackupEntry[] = [];
      for (let i = 0; i < n; i++) {
        const e = entry(Math.floor(rand() * 200 * 24) / 24, { db: dbs[Math.floor(rand() * dbs.length)] ?? 'a', pinned: rand() < 0.1, sizeBytes: rand() < 0.15 ? 0 : 1 + Math.floor(rand() * 1e6) });
        if (seen.has(e.key)) continue;
        seen.add(e.key);
        history.push(e);
      }
      const p: RetentionPolicy = {
        keepDays: Math.floor(rand() * 60),
        keepLast: 1 + Math.floor(rand() * 5),
        gfs: rand() < 0.5 ? { daily: Math.floor(rand() * 8), weekly: Math.floor(rand() * 5), monthly: Math.floor(rand() * 4) } : null,
      };
      const plan = planRetention(history, p, NOW);
      const action = new Map(plan.backups.map((b) => [b.key, b.action]));
      expect(plan.backups).toHaveLength(history.length);
      for (const e of history) {
        if (e.pinned) expect(action.get(e.key)).toBe('keep');
        if (NOW.getTime() - new Date(e.createdAt).getTime() <= p.keepDays * DAY) expect(action.get(e.key)).toBe('keep');
      }
      for (const db of dbs) {
        const newest = history.filter((e) => e.dbName === db && e.sizeBytes > 0).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).slice(0, p.keepLast);
        for (const e of newest) expect(action.get(e.key)).toBe('keep');
      }
      // Stable order: newest first, and the same plan whatever the input order.
      const shuffled = [...history].sort(() => rand() - 0.5);
      expect(planRetention(shuffled, p, NOW)).toEqual(plan);
      for (let i = 1; i < plan.backups.length; i++) expect(plan.backups[i - 1]!.createdAt >= plan.backups[i]!.createdAt).toBe(true);
      // Idempotent: applying the plan and planning again deletes nothing more.
      const survivors = history.filter((e) => action.get(e.key) === 'keep');
      expect(planRetention(survivors, p, NOW).delete).toBe(0);
    }
  });
});

describe('several schedules of one profile (prune --profile)', () => {
  it('the combined policy keeps everything any one of them keeps, over random histories', () => {
    const rand = rng(7);
    const policy = (): RetentionPolicy => ({
      keepDays: Math.floor(rand() * 40),
      keepLast: 1 + Math.floor(rand() * 5),
      gfs: rand() < 0.5 ? { daily: Math.floor(rand() * 8), weekly: Math.floor(rand() * 5), monthly: Math.floor(rand() * 4) } : null,
    });
    for (let round = 0; round < 200; round++) {
      const seen = new Set<string>();
      const history: BackupEntry[] = [];
      for (let i = 0; i < Math.floor(rand() * 40); i++) {
        const e = entry(Math.floor(rand() * 400 * 24) / 24, { db: rand() < 0.5 ? 'a' : 'b' });
        if (!seen.has(e.key)) history.push(e);
        seen.add(e.key);
      }
      const policies = Array.from({ length: 1 + Math.floor(rand() * 3) }, policy);
      const combined = planRetention(history, mostKeeping(policies), NOW);
      const kept = new Set(combined.backups.filter((b) => b.action === 'keep').map((b) => b.key));
      for (const p of policies) {
        for (const b of planRetention(history, p, NOW).backups) if (b.action === 'keep') expect(kept.has(b.key)).toBe(true);
      }
    }
    expect(mostKeeping([{ keepDays: 7, keepLast: 5, gfs: null }, { keepDays: 30, keepLast: 2, gfs: { daily: 0, weekly: 4, monthly: 0 } }])).toEqual({ keepDays: 30, keepLast: 5, gfs: { daily: 0, weekly: 4, monthly: 0 } });
  });
});
