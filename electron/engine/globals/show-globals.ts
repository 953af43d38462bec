import { checkedBackupKey } from '../backup/checked-key.js';
import { readManifest } from '../backup/list-backups.js';
import type { KeyResolver } from '../crypto/decrypt-stream.js';
import { LifeboatError } from '../errors.js';
import { openStorage } from '../storage/open-storage.js';
import type { StorageTarget } from '../storage/target.js';
import { readGlobals } from './globals-sidecar.js';

/** `lifeboat globals --key KEY`: the globals recorded with a backup, checked and decrypted, as text. */
export async function showGlobals(target: StorageTarget, key: string, resolveKey: KeyResolver, signal?: AbortSignal): Promise<string> {
  const storage = openStorage(target);
  const checked = checkedBackupKey(key, target.prefix);
  const manifest = await readManifest(storage, checked);
  if (!manifest) throw new LifeboatError('NOT_FOUND', `Backup ${checked} has no manifest in ${storage.display}, so it has no globals recorded; check the key with \`lifeboat list\`.`, { hint: { kind: 'list-backups' } });
  return readGlobals(storage, manifest, resolveKey, signal);
}
