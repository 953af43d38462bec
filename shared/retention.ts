// The retention planner: which backups to keep and which to delete, with the reason for each.
// Pure (no I/O, the clock is a parameter) so the app can preview a policy live and the tests can
// check its promises over random histories. The promises, whatever the policy says:
//  - a pinned backup is never deleted;
//  - nothing inside the window (keepDays) is deleted;
//  - the newest `keepLast` successful backups of each database are kept even when older than the
//    window, so a run of failed backups can never empty the history (the pgbackweb #121 failure);
//  - a backup whose manifest is there but not understood (damaged, unreadable, newer format) is
//    never deleted: it may be pinned, and this version cannot tell.
import { compareNewestFirst, type BackupEntry } from './backup-entry.js';

export interface GfsCounts {
  /** Newest backup of each of the last N days that have backups. */
  daily: number;
  /** Newest backup of each of the last N ISO weeks that have backups. */
  weekly: number;
  /** Newest backup of each of the last N months that have backups. */
  monthly: number;
}

export interface RetentionPolicy {
  keepDays: number;
  keepLast: number;
  gfs: GfsCounts | null;
}

export const DEFAULT_KEEP_DAYS = 30;
export const DEFAULT_KEEP_LAST = 3;

export type KeepReason = 'pinned' | 'manifest-not-understood' | 'within-window' | 'newest' | 'gfs-daily' | 'gfs-weekly' | 'gfs-monthly';

export interface PlannedBackup {
  key: string;
  dbName: string;
  createdAt: string;
  sizeBytes: number;
  action: 'keep' | 'delete';
  /** Every reason it is kept (empty when deleted). */
  reasons: KeepReason[];
  /** One sentence for people. */
  explanation: string;
}

export interface RetentionPlan {
  policy: RetentionPolicy;
  now: string;
  backups: PlannedBackup[];
  keep: number;
  delete: number;
  bytesFreed: number;
}

const DAY_MS = 86_400_000;

/** Reads BACKUP_RETENTION_DAYS (the seed's variable) and the defaults; throws on nonsense. */
export function defaultPolicy(env: Record<string, string | undefined> = {}): RetentionPolicy {
  const days = env.BACKUP_RETENTION_DAYS;
  return { keepDays: days === undefined || days === '' ? DEFAULT_KEEP_DAYS : Number(days), keepLast: DEFAULT_KEEP_LAST, gfs: null };
}

/** Returns why the policy is unusable, or null when it is fine. */
/**
 * One policy that keeps whatever any of the given policies keeps: the longest window, the most
 * newest ones, the most of each GFS count. Every rule keeps more as its number grows and a backup
 * is kept when any rule keeps it, so this keeps a superset of each — what `prune --profile` applies
 * when several schedules of one profile share its storage (never deleting what one of them keeps).
 */
export function mostKeeping(policies: readonly RetentionPolicy[]): RetentionPolicy {
  const max = (f: (p: RetentionPolicy) => number): number => Math.max(0, ...policies.map(f));
  const anyGfs = policies.some((p) => p.gfs !== null);
  return {
    keepDays: max((p) => p.keepDays),
    keepLast: max((p) => p.keepLast),
    gfs: anyGfs ? { daily: max((p) => p.gfs?.daily ?? 0), weekly: max((p) => p.gfs?.weekly ?? 0), monthly: max((p) => p.gfs?.monthly ?? 0) } : null,
  };
}

export function policyProblem(p: RetentionPolicy): string | null {
  if (!Number.isInteger(p.keepDays) || p.keepDays < 0 || p.keepDays > 36_500) return `keep-days must be a whole number of days from 0 to 36500 (got ${p.keepDays})`;
  // At least one: otherwise a policy could delete a database's last backup.
  if (!Number.isInteger(p.keepLast) || p.keepLast < 1 || p.keepLast > 10_000) return `keep-last must be a whole number from 1 to 10000 (got ${p.keepLast})`;
  if (p.gfs) {
    for (const [name, n] of Object.entries(p.gfs)) {
      if (!Number.isInteger(n) || n < 0 || n > 10_000) return `the ${name} count must be a whole number from 0 to 10000 (got ${String(n)})`;
    }
  }
  return null;
}

/**
 * A backup counts as successful when it has bytes and no manifest Lifeboat fails to understand
 * (such a backup is kept anyway, but must not stand in for one of the newest good ones).
 */
export function isSuccessful(e: BackupEntry): boolean {
  return e.sizeBytes > 0 && !e.manifestProblem;
}

function dayKey(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function monthKey(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/** ISO 8601 week (Monday first), in UTC like the keys. */
function weekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The newest successful backup of each of the newest `count` periods (input newest first). */
function newestPerPeriod(sorted: BackupEntry[], count: number, period: (d: Date) => string): Set<string> {
  const chosen = new Set<string>();
  const seen = new Set<string>();
  for (const e of sorted) {
    if (seen.size >= count) break;
    if (!isSuccessful(e)) continue;
    const p = period(new Date(e.createdAt));
    if (seen.has(p)) continue;
    seen.add(p);
    chosen.add(e.key);
  }
  return chosen;
}

function explain(reasons: KeepReason[], policy: RetentionPolicy, ageDays: number, manifestProblem: string | null): string {
  if (reasons.length === 0) return `older than ${policy.keepDays} days (${ageDays} days old) and not among the newest ${policy.keepLast}`;
  const words: Record<KeepReason, string> = {
    pinned: 'pinned',
    'manifest-not-understood': `never deleted because ${manifestProblem ?? 'its manifest is not understood'}`,
    'within-window': `within ${policy.keepDays} days`,
    newest: `among the newest ${policy.keepLast} successful backups`,
    'gfs-daily': 'newest of its day (daily)',
    'gfs-weekly': 'newest of its week (weekly)',
    'gfs-monthly': 'newest of its month (monthly)',
  };
  return reasons.map((r) => words[r]).join('; ');
}

/** Plans retention for every backup given (any databases). Newest first, stable for equal inputs. */
export function planRetention(entries: readonly BackupEntry[], policy: RetentionPolicy, now: Date): RetentionPlan {
  const problem = policyProblem(policy);
  if (problem) throw new Error(`Invalid retention policy: ${problem}.`);
  const sorted = [...entries].sort(compareNewestFirst);
  const byDb = new Map<string, BackupEntry[]>();
  for (const e of sorted) {
    const list = byDb.get(e.dbName) ?? [];
    list.push(e);
    byDb.set(e.dbName, list);
  }
  const reasons = new Map<string, KeepReason[]>(sorted.map((e) => [e.key, []]));
  const add = (key: string, r: KeepReason): void => void reasons.get(key)?.push(r);
  const windowStart = now.getTime() - policy.keepDays * DAY_MS;
  for (const e of sorted) {
    if (e.pinned) add(e.key, 'pinned');
    if (e.manifestProblem) add(e.key, 'manifest-not-understood');
    if (new Date(e.createdAt).getTime() >= windowStart) add(e.key, 'within-window');
  }
  for (const list of byDb.values()) {
    for (const e of list.filter(isSuccessful).slice(0, policy.keepLast)) add(e.key, 'newest');
    if (policy.gfs) {
      for (const k of newestPerPeriod(list, policy.gfs.daily, dayKey)) add(k, 'gfs-daily');
      for (const k of newestPerPeriod(list, policy.gfs.weekly, weekKey)) add(k, 'gfs-weekly');
      for (const k of newestPerPeriod(list, policy.gfs.monthly, monthKey)) add(k, 'gfs-monthly');
    }
  }
  const backups = sorted.map((e): PlannedBackup => {
    const r = reasons.get(e.key) ?? [];
    const ageDays = Math.floor((now.getTime() - new Date(e.createdAt).getTime()) / DAY_MS);
    return {
      key: e.key,
      dbName: e.dbName,
      createdAt: e.createdAt,
      sizeBytes: e.sizeBytes,
      action: r.length > 0 ? 'keep' : 'delete',
      reasons: r,
      explanation: explain(r, policy, ageDays, e.manifestProblem ?? null),
    };
  });
  const deleted = backups.filter((b) => b.action === 'delete');
  return {
    policy,
    now: now.toISOString(),
    backups,
    keep: backups.length - deleted.length,
    delete: deleted.length,
    bytesFreed: deleted.reduce((s, b) => s + b.sizeBytes, 0),
  };
}
