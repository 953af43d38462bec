import type { BackupStorage, IncompleteUploads } from './storage.js';

/**
 * Finds (and unless dryRun removes) incomplete uploads under the prefix started before `olderThan`.
 * Younger ones are left alone: a backup may still be writing them. `olderThan` comes from the
 * caller's clock, compared with the storage's own start times (so tests move the caller's clock).
 */
export async function cleanupIncompleteUploads(storage: BackupStorage, prefix: string, olderThan: Date, dryRun: boolean): Promise<IncompleteUploads> {
  const listing = await storage.listIncompleteUploads(prefix);
  const found = listing.uploads.filter((u) => new Date(u.startedAt) < olderThan);
  let removed = 0;
  const failures: string[] = [];
  if (!dryRun) {
    for (const u of found) {
      try {
        await storage.abortIncompleteUpload(u);
        removed++;
      } catch (e) {
        failures.push(`${u.key} (${(e as Error).message})`);
      }
    }
  }
  const failed = failures.length > 0 ? `Could not remove ${failures.length} incomplete upload(s): ${failures.join(', ')}.` : null;
  return { supported: listing.supported, found, removed, note: [listing.note, failed].filter(Boolean).join(' ') || null };
}
