/**
 * What this process would leave behind if it stopped right now: an upload in flight, a scratch
 * file, a temporary database. Jobs register each item when they create it and drop it once it is
 * complete or cleaned up. When a cancelled command runs out of time for its clean-up, the CLI names
 * what is still registered, so the user knows what was left and how to remove it.
 */
export interface PendingItem {
  /** e.g. "the incomplete upload of database_backups/…/db_….dump to s3://bucket" */
  what: string;
  /** How to remove it later, e.g. "`lifeboat prune` removes it". */
  remedy: string;
}

const pending = new Map<number, PendingItem>();
let nextId = 1;

/** Registers an item; call the returned function once it is complete or removed. */
export function trackPendingCleanup(item: PendingItem): () => void {
  const id = nextId++;
  pending.set(id, item);
  return () => void pending.delete(id);
}

export function pendingCleanup(): PendingItem[] {
  return [...pending.values()];
}

/** "the incomplete upload X could not be aborted; `lifeboat prune` removes it", or null when nothing is pending. */
export function describeLeftovers(verb = 'could not be removed'): string | null {
  const items = pendingCleanup();
  if (items.length === 0) return null;
  return items.map((i) => `${i.what} ${verb}; ${i.remedy}`).join('; ');
}
