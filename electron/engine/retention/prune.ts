import { CLAIM_SUFFIX, COPIES_SUFFIX, ENCRYPTED_GLOBALS_SUFFIX, GLOBALS_SUFFIX, INDEX_SUFFIX, globalsKeyFor, MANIFEST_SUFFIX, VERIFY_SUFFIX, backupKeyProblem, copiesKeyFor, indexKeyFor, manifestKeyFor, parseBackupKey, verifyKeyFor } from '../../../shared/backup-key.js';
import { planRetention, type RetentionPlan, type RetentionPolicy } from '../../../shared/retention.js';
import { listBackups } from '../backup/list-backups.js';
import { LifeboatError } from '../errors.js';
import { cleanupIncompleteUploads } from '../storage/incomplete-uploads.js';
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
  /** Objects deleted (backups with their manifest, index and verify record), or that would be. */
  deletedKeys: string[];
  /** Sidecars whose backup object is gone: manifests, indexes and verify records. */
  orphans: string[];
  incompleteUploads: IncompleteUploads;
  /** Claims older than a day whose backup never finished, removed (or that would be) with what they left at their key. */
  staleClaims: string[];
}

const DAY_MS = 86_400_000;
const SIDECAR_SUFFIXES = [MANIFEST_SUFFIX, VERIFY_SUFFIX, INDEX_SUFFIX, COPIES_SUFFIX, ENCRYPTED_GLOBALS_SUFFIX, GLOBALS_SUFFIX];

function sidecarsOf(key: string): string[] {
  return [indexKeyFor(key), globalsKeyFor(key, false), globalsKeyFor(key, true), verifyKeyFor(key), copiesKeyFor(key), manifestKeyFor(key)];
}

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
  const claims: { key: string; lastModified: Date }[] = [];
  for await (const o of storage.list(`${opts.prefix}/`)) {
    if (backupKeyProblem(o.key, opts.prefix) !== null) continue; // never delete what could leave the prefix
    if (SIDECAR_SUFFIXES.some((s) => o.key.endsWith(s))) sidecars.push(o.key);
    else if (o.key.endsWith(CLAIM_SUFFIX)) claims.push(o);
    else objects.add(o.key);
  }
  const orphans = sidecars
    .filter((k) => {
      const suffix = SIDECAR_SUFFIXES.find((s) => k.endsWith(s)) ?? '';
      const base = k.slice(0, -suffix.length);
      // Only sidecars of keys in the backup layout: never touch files we do not understand.
      return parseBackupKey(base) !== null && !objects.has(base);
    })
    .sort();

  const doomed = plan.backups.filter((b) => b.action === 'delete').map((b) => b.key);
  const sidecarSet = new Set(sidecars);
  const deletedKeys = doomed.flatMap((k) => [k, ...sidecarsOf(k).filter((s) => sidecarSet.has(s))]);
  if (!opts.dryRun) {
    // Belt and braces: the planner already promises this; a bug there must not cost a pinned backup.
    const protectedOnes = plan.backups.filter((b) => {
      const e = entries.find((x) => x.key === b.key);
      return b.action === 'delete' && (e?.pinned || e?.manifestProblem);
    });
    if (protectedOnes.length > 0) throw new LifeboatError('INTERNAL', `Refusing to prune: the plan would delete ${protectedOnes[0]?.key}, which is pinned or has a manifest Lifeboat does not understand.`);
    for (const key of doomed) {
      const batch = [key, ...sidecarsOf(key)].filter((k) => k === key || sidecarSet.has(k));
      await storage.delete(batch);
    }
    if (orphans.length > 0) await storage.delete(orphans);
  }
  const olderThan = new Date(now.getTime() - (opts.incompleteOlderThanMs ?? DAY_MS));
  const incompleteUploads = await cleanupIncompleteUploads(storage, `${opts.prefix}/`, olderThan, opts.dryRun);
  // A claim older than a day belongs to a backup that was killed (a finished one removes its claim
  // after writing the manifest). Without a manifest, whatever sits at its key is that backup's
  // unfinished object: only Lifeboat writes claims, so no other tool's backup is ever touched.
  const sidecarNames = new Set(sidecars);
  const staleClaims = claims.filter((c) => c.lastModified < olderThan && parseBackupKey(c.key.slice(0, -CLAIM_SUFFIX.length)) !== null).map((c) => c.key);
  if (!opts.dryRun) {
    for (const claimKey of staleClaims) {
      const key = claimKey.slice(0, -CLAIM_SUFFIX.length);
      // An index and the globals are written just before the manifest: a killed backup may have left them.
      const unfinished = objects.has(key) && !sidecarNames.has(manifestKeyFor(key)) ? [key, ...[indexKeyFor(key), globalsKeyFor(key, false), globalsKeyFor(key, true)].filter((k) => sidecarNames.has(k))] : [];
      await storage.delete([...unfinished, claimKey]);
    }
  }
  return { storage: storage.display, dryRun: opts.dryRun, plan, deletedKeys, orphans, incompleteUploads, staleClaims };
}
