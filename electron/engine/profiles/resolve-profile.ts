import type { BackupFormat } from '../../../shared/backup-key.js';
import type { Profile } from '../../../shared/profile.js';
import type { CompressionSetting } from '../../../shared/compression.js';
import type { MasterKey } from '../crypto/master-key.js';
import { LifeboatError } from '../errors.js';
import { parsePgConnection, type PgConnection } from '../pg/connection.js';
import { parseStorageTarget, type StorageTarget } from '../storage/target.js';
import { loadKey } from './key-store.js';
import { accounts, openKeychain } from './keychain.js';
import { sshRouteOf } from './profile-ssh.js';
import { resolveCopyTargets } from './profile-copies.js';
import { getProfile } from './profiles.js';

/** A profile with its secrets, ready for the engine: what backup, list, restore, extract and verify take. */
export interface ResolvedProfile {
  profile: Profile;
  /** The database connection, password (from the keychain) kept apart from the URL. */
  db: PgConnection;
  /** Where backups go, with S3 credentials from the keychain and server-side encryption applied. */
  target: StorageTarget;
  /** Extra destinations each backup is copied to (and restore falls back to), each with its own keys. */
  copies: StorageTarget[];
  format: BackupFormat;
  /** How its backups are compressed; null: gzip at the default level. */
  compression: CompressionSetting | null;
  /** The master key new backups are encrypted with; null when the profile does not encrypt. */
  encryptionKey: MasterKey | null;
}

export interface ResolveOptions {
  /** Load the database password (default true); listing storage does not need it. */
  dbPassword?: boolean;
  /**
   * Load the profile's encryption key (default true: backups need it). Restore, extract and verify
   * pass false: they take the key the backup's own header names, via keychainKeyResolver.
   */
  encryptionKey?: boolean;
}

/**
 * Loads a profile and its secrets. The keychain is only opened for secrets the profile keeps
 * there, so a profile relying on PGPASSWORD/~/.pgpass and the AWS environment works on a machine
 * without a keychain.
 */
export async function resolveProfile(name: string, env: NodeJS.ProcessEnv = process.env, opts: ResolveOptions = {}): Promise<ResolvedProfile> {
  const withDb = opts.dbPassword ?? true;
  const withKey = opts.encryptionKey ?? true;
  const profile = await getProfile(env, name);
  const db = parsePgConnection(profile.database.url ?? undefined, env);
  const target = parseStorageTarget(profile.storage.url ?? undefined, env);
  const ssh = withDb ? (profile.database.ssh ?? null) : null;
  const needsKeychain = (withDb && profile.database.passwordInKeychain) || profile.storage.credentialsInKeychain || Boolean(ssh?.identityInKeychain);
  const chain = needsKeychain ? openKeychain(env) : null;
  if (chain && withDb && profile.database.passwordInKeychain) {
    const password = await chain.get(accounts.dbPassword(name));
    if (password === null) throw lost(name, 'database password', 'password');
    db.password = password;
  }
  // The database is reached through this SSH server by every job that connects (withTunnel).
  if (ssh) db.ssh = await sshRouteOf(name, ssh, chain, env);
  if (target.kind === 's3') {
    if (chain && profile.storage.credentialsInKeychain) {
      const accessKeyId = await chain.get(accounts.s3AccessKeyId(name));
      const secretAccessKey = await chain.get(accounts.s3SecretAccessKey(name));
      if (accessKeyId === null || secretAccessKey === null) throw lost(name, 'S3 credentials', 's3-keys');
      target.credentials = { accessKeyId, secretAccessKey };
    }
    const sse = profile.storage.serverSideEncryption;
    if (sse) target.serverSideEncryption = sse.mode === 'AES256' ? { mode: 'AES256' } : { mode: 'aws:kms', kmsKeyId: sse.kmsKeyId ?? undefined };
  }
  const copies = await resolveCopyTargets(profile, env, () => chain ?? openKeychain(env));
  let encryptionKey: MasterKey | null = null;
  if (withKey && profile.encryption) {
    encryptionKey = await loadKey(env, profile.encryption.keyId);
    if (!encryptionKey) {
      throw new LifeboatError(
        'ENCRYPTION_KEY_MISSING',
        `The profile "${name}" encrypts with key ${profile.encryption.keyId}, which is not in this keychain.`,
        { hint: { kind: 'profile-key-missing', profile: name } },
      );
    }
  }
  return { profile, db, target, copies, format: profile.format, compression: profile.compression ?? null, encryptionKey };
}

function lost(name: string, what: string, secret: 'password' | 's3-keys'): LifeboatError {
  return new LifeboatError('KEYCHAIN_UNAVAILABLE', `The profile "${name}" keeps its ${what} in the keychain, but the keychain has no such entry.`, { hint: { kind: 'store-secret-again', profile: name, secret } });
}
