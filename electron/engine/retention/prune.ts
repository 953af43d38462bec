import { MANIFEST_SUFFIX, VERIFY_SUFFIX, backupKeyProblem, manifestKeyFor, parseBackupKey, verifyKeyFor } from '../../../shared/backup-key.js';
import { planRetention, type RetentionPlan, type RetentionPolicy } from '../../../shared/retention.js';
import { listBackups } from '../backup/list-backups.js';
import { LifeboatError } from '../errors.js';
import type { BackupStorage, IncompleteUploads } from '../storage/storage.js';

export interface PruneOptions {
  prefix: string;
  policy: RetentionPolicy;
  dryRun: boolean;
  /** Only this database's backups (a schedule prunes its own); orphans and stale uploads are swept anyway. */
  dbName?: string | undefined;
  now?: Date;
  /** Incomplete uploads younger than this are left alone: another backup may still be writing. */
  incompleteOlderThanMs?: number;
}

export interface PruneResult {
  storage: string;
  dryRun: boolean;
  plan: RetentionPlan;
  /** Objects deleted (backups with their manifest and verify record), or that would be. */
  deletedKeys: string[];
  /** Sidecars whose backup object is gone: manifests and verify records. */
  orphans: string[];
  incompleteUploads: IncompleteUploads;
}

const DAY_MS = 86_400_000;

/**
 * Applies a retention policy to one storage prefix: plans first (from one listing), then deletes
 * each doomed backup together with its manifest and verify record in one request, removes orphan
 * sidecars, and sweeps incomplete uploads older than a day. Any listing error stops it before a
 * single delete.
 */
export async function prune(storage: BackupStorage, opts: PruneOptions): Promise<PruneResult> {
  const now = opts.now ?? new Date();
  await storage.checkReadable();
  const entries = await listBackups(storage, { prefix: opts.prefix, dbName: opts.dbName });
  const plan = planRetention(entries, opts.policy, now);

  const objects = new Set<string>();
  const sidecars: string[] = [];
  for await (const o of storage.list(`${opts.prefix}/`)) {
    if (backupKeyProblem(o.key, opts.prefix) !== null) continue; // never delete what could leave the prefix
    if (o.key.endsWith(MANIFEST_SUFFIX) || o.key.endsWith(VERIFY_SUFFIX)) sidecars.push(o.key);
    else objects.add(o.key);
  }
  const orphans = sidecars
    .filter((k) => {
      const base = k.endsWith(MANIFEST_SUFFIX) ? k.slice(0, -MANIFEST_SUFFIX.length) : k.slice(0, -VERIFY_SUFFIX.length);
      // Only sidecars of keys in the backup layout: never touch files we do not understand.
      return parseBackupKey(base) !== null && !objects.has(base);
    })
    .sort();

  const doomed = plan.backups.filter((b) => b.action === 'delete').map((b) => b.key);
  const sidecarSet = new Set(sidecars);
  const deletedKeys = doomed.flatMap((k) => [k, ...[manifestKeyFor(k), verifyKeyFor(k)].filter((s) => sidecarSet.has(s))]);
  if (!opts.dryRun) {
    // Belt and braces: the planner already promises this; a bug there must not cost a pinned backup.
    const protectedOnes = plan.backups.filter((b) => {
      const e = entries.find((x) => x.key === b.key);
      return b.action === 'delete' && (e?.pinned || e?.manifestProblem);
    });
    if (protectedOnes.length > 0) throw new LifeboatError('INTERNAL', `Refusing to prune: the plan would delete ${protectedOnes[0]?.key}, which is pinned or has a manifest Lifeboat does not understand.`);
    for (const key of doomed) {
      const batch = [key, manifestKeyFor(key), verifyKeyFor(key)].filter((k) => k === key || sidecarSet.has(k));
      await storage.delete(batch);
    }
    if (orphans.length > 0) await storage.delete(orphans);
  }
  const olderThan = new Date(now.getTime() - (opts.incompleteOlderThanMs ?? DAY_MS));
  const incompleteUploads = await storage.cleanupIncompleteUploads(`${opts.prefix}/`, olderThan, opts.dryRun);
  return { storage: storage.display, dryRun: opts.dryRun, plan, deletedKeys, orphans, incompleteUploads };
}
