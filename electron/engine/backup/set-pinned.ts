import { manifestKeyFor } from '../../../shared/backup-key.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import { LifeboatError } from '../errors.js';
import type { BackupStorage } from '../storage/storage.js';
import { checkedBackupKey } from './checked-key.js';
import { readManifest } from './list-backups.js';

/**
 * Pins or unpins an existing backup: retention never removes a pinned one. The pin lives in the
 * manifest, which is rewritten whole (the backup object itself is never touched), keeping any
 * field a newer Lifeboat added that this one does not know.
 */
export async function setPinned(storage: BackupStorage, prefix: string, key: string, pinned: boolean): Promise<BackupManifest> {
  checkedBackupKey(key, prefix);
  const manifest = await readManifest(storage, key);
  if (!manifest) {
    throw new LifeboatError('BAD_INPUT', `Backup ${key} has no manifest (another tool wrote it, or it is incomplete), so it cannot be pinned; take a new backup with Pin to keep one.`);
  }
  if (manifest.pinned === pinned) return manifest;
  const next: BackupManifest = { ...manifest, pinned };
  // The one deliberate rewrite of a manifest: the backup exists and its manifest was just read.
  await storage.putSmall(manifestKeyFor(key), `${JSON.stringify(next, null, 2)}\n`, { contentType: 'application/json', mode: 'replace' });
  return next;
}
