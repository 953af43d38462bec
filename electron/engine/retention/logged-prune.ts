import type { RetentionPolicy } from '../../../shared/retention.js';
import { errorForLog, outcomeOf, type ActivityLog } from '../activity/activity-log.js';
import { openStorage } from '../storage/open-storage.js';
import { describeTarget, type StorageTarget } from '../storage/target.js';
import { prune, type PruneResult } from './prune.js';

/** A prune of one target, recorded in the activity log (a dry run is recorded as info). */
export async function runLoggedPrune(target: StorageTarget, policy: RetentionPolicy, opts: { dryRun: boolean; profile: string | null; log: ActivityLog; now?: Date; dbName?: string | undefined }): Promise<PruneResult> {
  const startedAt = new Date();
  const storage = openStorage(target);
  try {
    const r = await prune(storage, { prefix: target.prefix, policy, dryRun: opts.dryRun, dbName: opts.dbName, ...(opts.now ? { now: opts.now } : {}) });
    await opts.log
      .append({
        kind: 'prune',
        outcome: opts.dryRun ? 'info' : 'success',
        profile: opts.profile,
        startedAt: startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        bytes: r.plan.bytesFreed,
        storage: r.storage,
        key: null,
        summary: `${opts.dryRun ? 'Would delete' : 'Deleted'} ${r.plan.delete} of ${r.plan.backups.length} backups, kept ${r.plan.keep}; ${r.orphans.length} orphan sidecar(s), ${r.incompleteUploads.found.length} incomplete upload(s)`,
        error: null,
        details: { deleted: opts.dryRun ? 0 : r.plan.delete, kept: r.plan.keep, orphans: r.orphans.length, incompleteUploads: r.incompleteUploads.found.length, dryRun: opts.dryRun, keepDays: policy.keepDays, keepLast: policy.keepLast },
      })
      .catch(() => undefined);
    return r;
  } catch (e) {
    await opts.log
      .append({ kind: 'prune', outcome: outcomeOf(e), profile: opts.profile, startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(), bytes: null, storage: describeTarget(target), key: null, summary: 'Prune failed; nothing more was deleted', error: errorForLog(e), details: { dryRun: opts.dryRun } })
      .catch(() => undefined);
    throw e;
  }
}
