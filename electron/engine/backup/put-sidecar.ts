import { LifeboatError } from '../errors.js';
import type { BackupStorage } from '../storage/storage.js';

/**
 * Writes one of a backup's sidecars (its index, its manifest) create-only. `track` is told the key
 * before the write — counted as ours, so that if the answer is lost a failure removes it with the
 * object — and null when the key turned out to exist already: someone else's, never to be deleted.
 */
export async function putSidecar(storage: BackupStorage, key: string, text: string, track: (key: string | null) => void): Promise<void> {
  track(key);
  try {
    await storage.putSmall(key, text, { contentType: 'application/json', mode: 'create' });
  } catch (e) {
    if (e instanceof LifeboatError && e.code === 'KEY_EXISTS') track(null);
    throw e;
  }
}
