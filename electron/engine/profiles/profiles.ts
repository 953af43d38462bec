import { PROFILE_NAME, type Profile, type ServerSideEncryption } from '../../../shared/profile.js';
import type { BackupFormat } from '../../../shared/backup-key.js';
import { LifeboatError } from '../errors.js';
import { mergeCompression, type CompressionChange } from '../../../shared/compression.js';
import { checkCompressionSetting } from '../compress/backup-compression.js';
import { parsePgConnection } from '../pg/connection.js';
import { redactUrl } from '../redact.js';
import { parseStorageTarget } from '../storage/target.js';
import { readConfig, updateConfig } from './config-file.js';
import { loadKey } from './key-store.js';
import { accounts, openKeychain } from './keychain.js';
import { checkSshChanges, checkSshSecretsStayPut, nextSsh, sshTouchesKeychain, storeSshIdentity, type SshChanges } from './profile-ssh.js';
import { applyCopySecrets, forgetCopyKeys, planCopies, storedCopyScopes, type CopyCredentials, type CopyPlan } from './profile-copies.js';
import { checkPasswordScope, checkS3Scope } from './secret-scope.js';

/** What `profile add` and `profile edit` may set. Secrets go to the keychain, never the config file. */
export interface ProfileChanges extends SshChanges {
  dbUrl?: string | null;
  /** A new database password for the keychain; null removes the stored one. */
  dbPassword?: string | null;
  storageUrl?: string | null;
  /** Both or neither: stored together in the keychain; null removes them. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string } | null;
  serverSideEncryption?: ServerSideEncryption | null;
  format?: BackupFormat;
  /** How backups are compressed (a level alone keeps the method); null: back to gzip at the default level. */
  compression?: CompressionChange | null;
  /** Master key id for client-side encryption; null turns encryption off. */
  encryptionKeyId?: string | null;
  /** Extra destinations every backup is copied to; replaces the list ([] removes every copy). */
  copyTo?: string[];
  /** S3 keys for one copy destination's endpoint, into the keychain; null forgets every copy's keys. */
  copyS3Credentials?: CopyCredentials | null;
}

export function checkProfileName(name: string): void {
  if (!PROFILE_NAME.test(name)) {
    throw new LifeboatError('BAD_INPUT', `"${name}" is not a usable profile name; use up to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit.`);
  }
}

function checkDbUrl(url: string, env: NodeJS.ProcessEnv): void {
  const conn = parsePgConnection(url, env);
  if (conn.password !== null) {
    throw new LifeboatError(
      'BAD_INPUT',
      `The database URL ${redactUrl(url)} contains a password; profiles keep it in the keychain instead: give the URL without it and pass the password with --password-stdin.`,
    );
  }
}

async function checkChanges(c: ProfileChanges, env: NodeJS.ProcessEnv): Promise<void> {
  checkSshChanges(c);
  if (c.dbUrl) checkDbUrl(c.dbUrl, env);
  if (c.storageUrl) parseStorageTarget(c.storageUrl, env);
  if (c.serverSideEncryption && c.storageUrl !== undefined && c.storageUrl !== null && !/^s3:/i.test(c.storageUrl)) {
    throw new LifeboatError('BAD_INPUT', 'Server-side encryption applies to S3 storage only; this profile stores in a local folder.');
  }
  if (c.s3Credentials && (!c.s3Credentials.accessKeyId || !c.s3Credentials.secretAccessKey)) {
    throw new LifeboatError('BAD_INPUT', 'S3 credentials need both an access key id and a secret access key.');
  }
  if (c.encryptionKeyId) {
    const key = await loadKey(env, c.encryptionKeyId);
    if (!key) throw new LifeboatError('ENCRYPTION_KEY_MISSING', `There is no encryption key ${c.encryptionKeyId} in this keychain.`, { hint: { kind: 'import-key' } });
  }
}

/** Secrets first (so a profile never names a secret that was not stored), then the config. */
async function storeSecrets(name: string, c: ProfileChanges, env: NodeJS.ProcessEnv, copies: CopyPlan): Promise<void> {
  const copySecrets = copies.store !== null || copies.forget.length > 0;
  if (c.dbPassword === undefined && c.s3Credentials === undefined && !sshTouchesKeychain(c) && !copySecrets) return;
  const chain = openKeychain(env);
  await storeSshIdentity(chain, name, c);
  if (copySecrets) await applyCopySecrets(chain, name, copies);
  if (typeof c.dbPassword === 'string') await chain.set(accounts.dbPassword(name), c.dbPassword);
  else if (c.dbPassword === null) await chain.delete(accounts.dbPassword(name));
  if (c.s3Credentials) {
    await chain.set(accounts.s3AccessKeyId(name), c.s3Credentials.accessKeyId);
    await chain.set(accounts.s3SecretAccessKey(name), c.s3Credentials.secretAccessKey);
  } else if (c.s3Credentials === null) {
    await chain.delete(accounts.s3AccessKeyId(name));
    await chain.delete(accounts.s3SecretAccessKey(name));
  }
}

function apply(p: Profile, c: ProfileChanges, copies: CopyPlan): void {
  p.copies = copies.copies;
  if (c.dbUrl !== undefined) p.database.url = c.dbUrl;
  if (c.dbPassword !== undefined) p.database.passwordInKeychain = c.dbPassword !== null;
  const ssh = nextSsh(p.database.ssh, c);
  if (ssh) p.database.ssh = ssh;
  else delete p.database.ssh;
  if (c.storageUrl !== undefined) p.storage.url = c.storageUrl;
  if (c.s3Credentials !== undefined) p.storage.credentialsInKeychain = c.s3Credentials !== null;
  if (c.serverSideEncryption !== undefined) p.storage.serverSideEncryption = c.serverSideEncryption;
  if (c.format !== undefined) p.format = c.format;
  if (c.compression === null) delete p.compression;
  else if (c.compression !== undefined) p.compression = mergeCompression(p.compression, c.compression);
  // Checked as its backups will use it, with the format it now has: plain cannot take lz4, zstd or none.
  if (p.compression) checkCompressionSetting(p.format, p.compression);
  if (c.encryptionKeyId !== undefined) p.encryption = c.encryptionKeyId ? { keyId: c.encryptionKeyId } : null;
  if (p.storage.serverSideEncryption && p.storage.url !== null && !/^s3:/i.test(p.storage.url)) {
    throw new LifeboatError('BAD_INPUT', 'Server-side encryption applies to S3 storage only; this profile stores in a local folder.');
  }
  p.updatedAt = new Date().toISOString();
}

/** The copy list after the change, checked against the storage the profile will have. */
function copyPlan(p: Profile, c: ProfileChanges, env: NodeJS.ProcessEnv): CopyPlan {
  const storageUrl = c.storageUrl !== undefined ? c.storageUrl : p.storage.url;
  return planCopies(p, storageUrl, c.copyTo, c.copyS3Credentials, env);
}

export async function addProfile(env: NodeJS.ProcessEnv, name: string, c: ProfileChanges): Promise<Profile> {
  checkProfileName(name);
  const existing = (await readConfig(env)).profiles.find((p) => p.name === name);
  if (existing) throw new LifeboatError('PROFILE_EXISTS', `A profile named "${name}" already exists; change it with \`lifeboat profile edit ${name}\` or pick another name.`);
  await checkChanges(c, env);
  const now = new Date().toISOString();
  const profile: Profile = {
    name,
    database: { url: null, passwordInKeychain: false },
    storage: { url: null, credentialsInKeychain: false, serverSideEncryption: null },
    copies: [],
    format: 'custom',
    encryption: null,
    createdAt: now,
    updatedAt: now,
  };
  const copies = copyPlan(profile, c, env);
  apply(profile, c, copies);
  await storeSecrets(name, c, env, copies);
  await updateConfig(env, (config) => {
    if (config.profiles.some((p) => p.name === name)) throw new LifeboatError('PROFILE_EXISTS', `A profile named "${name}" already exists.`);
    config.profiles.push(profile);
  });
  return profile;
}

export async function getProfile(env: NodeJS.ProcessEnv, name: string): Promise<Profile> {
  const config = await readConfig(env);
  const p = config.profiles.find((x) => x.name === name);
  if (!p) {
    const names = config.profiles.map((x) => x.name);
    throw new LifeboatError(
      'PROFILE_NOT_FOUND',
      `There is no profile named "${name}"${names.length ? ` (profiles: ${names.join(', ')})` : ''}; create it with \`lifeboat profile add ${name}\`.`,
    );
  }
  return p;
}

export async function listProfiles(env: NodeJS.ProcessEnv): Promise<Profile[]> {
  return (await readConfig(env)).profiles;
}

/**
 * A kept secret keeps its destination: a new host, port or user (or S3 endpoint) with the stored
 * password (or S3 keys) kept would send them somewhere they were never given for.
 */
function checkSecretsStayPut(current: Profile, c: ProfileChanges, env: NodeJS.ProcessEnv): void {
  if (current.database.passwordInKeychain && c.dbUrl !== undefined && c.dbPassword === undefined) checkPasswordScope(current.database.url, c.dbUrl, env);
  if (current.storage.credentialsInKeychain && c.storageUrl !== undefined && c.s3Credentials === undefined) checkS3Scope(current.storage.url, c.storageUrl, env);
  const sshMoved = checkSshSecretsStayPut(current, c);
  if (sshMoved && !(sshMoved.code === 'PASSWORD_REQUIRED' && c.dbPassword !== undefined)) throw sshMoved;
}

export async function editProfile(env: NodeJS.ProcessEnv, name: string, c: ProfileChanges): Promise<Profile> {
  const current = await getProfile(env, name);
  await checkChanges(c, env);
  checkSecretsStayPut(current, c, env);
  const copies = copyPlan(current, c, env);
  apply(structuredClone(current), c, copies); // validates the combination before any secret changes
  await storeSecrets(name, c, env, copies);
  return updateConfig(env, (config) => {
    const p = config.profiles.find((x) => x.name === name);
    if (!p) throw new LifeboatError('PROFILE_NOT_FOUND', `The profile "${name}" was removed meanwhile.`);
    apply(p, c, copies);
    return p;
  });
}

/** Removes the profile and its secrets; encryption keys stay (they still open its backups). */
export async function removeProfile(env: NodeJS.ProcessEnv, name: string): Promise<void> {
  const p = await getProfile(env, name);
  const copyScopes = storedCopyScopes(p, env);
  if (p.database.passwordInKeychain || p.storage.credentialsInKeychain || p.database.ssh?.identityInKeychain || copyScopes.length > 0) {
    const chain = openKeychain(env);
    await chain.delete(accounts.sshIdentity(name));
    await chain.delete(accounts.dbPassword(name));
    await chain.delete(accounts.s3AccessKeyId(name));
    await chain.delete(accounts.s3SecretAccessKey(name));
    for (const scope of copyScopes) await forgetCopyKeys(chain, name, scope);
  }
  await updateConfig(env, (config) => {
    config.profiles = config.profiles.filter((x) => x.name !== name);
  });
}
