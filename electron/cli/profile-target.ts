import { resolveProfile } from '../engine/profiles/resolve-profile.js';
import type { StorageTarget } from '../engine/storage/target.js';

/**
 * The storage for commands that read backups (restore, extract, verify, decrypt): --to when given,
 * else the storage of --profile (with its keychain credentials). The profile's database password
 * and encryption key are not loaded: the backup's own header names the key it needs.
 */
export async function storageOption(to: string | undefined, profile: string | undefined): Promise<string | StorageTarget | undefined> {
  if (to !== undefined || profile === undefined) return to;
  return (await resolveProfile(profile, process.env, { dbPassword: false, encryptionKey: false })).target;
}

/**
 * Where commands that read one backup (restore, extract, verify) look for it: --to, else the
 * profile's storage and then its copy destinations in order; a stderr line says when a copy was used.
 */
export async function backupPlaces(to: string | undefined, profile: string | undefined): Promise<{ to: string | StorageTarget | undefined; copies: StorageTarget[]; onSourceNote: (s: string) => void }> {
  const onSourceNote = (s: string): void => void process.stderr.write(`lifeboat: ${s}\n`);
  if (to !== undefined || profile === undefined) return { to, copies: [], onSourceNote };
  const r = await resolveProfile(profile, process.env, { dbPassword: false, encryptionKey: false });
  return { to: r.target, copies: r.copies, onSourceNote };
}
