import { isLifeboatError } from '../errors.js';
import type { BackupStorage } from './storage.js';

/**
 * Create-only writes of small objects (key claims, slot leases). S3 PutObject with If-None-Match: *
 * and link(2) in a folder give two writers racing for one key exactly one success; some
 * S3-compatible servers ignore the condition and let both "succeed".
 */

/** Writes `body` at `key` unless something is there; false when the key was taken. */
export async function tryCreate(storage: BackupStorage, key: string, body: string, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await storage.putSmall(key, body, { contentType: 'application/json', mode: 'create', signal });
    return true;
  } catch (e) {
    if (isLifeboatError(e) && e.code === 'KEY_EXISTS') return false;
    throw e;
  }
}

/** Per storage: does it honour create-only writes? Learned once per process. */
const conditionalWrites = new Map<string, boolean>();

/**
 * Whether the storage refuses a create-only write over an existing key, learned the first time
 * from the object just created: writing the same bytes again is harmless if the server
 * overwrites, and tells us whether it does. Later calls answer from memory.
 */
export async function honoursCreateOnly(storage: BackupStorage, justCreatedKey: string, sameBody: string, signal: AbortSignal | undefined): Promise<boolean> {
  let enforced = conditionalWrites.get(storage.display);
  if (enforced === undefined) {
    enforced = !(await tryCreate(storage, justCreatedKey, sameBody, signal));
    conditionalWrites.set(storage.display, enforced);
  }
  return enforced;
}

/** For tests: forget what was learned about each storage's conditional writes. */
export function forgetConditionalWriteSupport(): void {
  conditionalWrites.clear();
}
