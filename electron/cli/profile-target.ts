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
