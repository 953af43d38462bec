import { parseBackupKey, type ParsedBackupKey } from '../../../shared/backup-key.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import { checkedBackupKey } from '../backup/checked-key.js';
import { listBackups, readManifest } from '../backup/list-backups.js';
import { prepareDecryption } from '../crypto/backup-decryption.js';
import { LifeboatError } from '../errors.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import { openStorage } from '../storage/open-storage.js';
import type { BackupStorage } from '../storage/storage.js';
import { describeTarget, parseStorageTarget, type StorageTarget } from '../storage/target.js';
import type { FileOrigin } from './file-source.js';

/** Which backup to use: a key, or the newest one (optionally of one database). */
export interface BackupChoice {
  to?: string | StorageTarget | undefined;
  key?: string | undefined;
  latest?: boolean | undefined;
  dbName?: string | undefined;
  /**
   * Other places holding copies (a profile's copy destinations), tried in order when the backup
   * cannot be found or read in `to`.
   */
  copies?: StorageTarget[] | undefined;
  /** Told one sentence when a copy is used instead of `to` (the CLI prints it on stderr). */
  onSourceNote?: ((sentence: string) => void) | undefined;
}

/** A backup chosen for restore, extract or verify: where it is and what is known about it. */
export interface BackupSource {
  storage: BackupStorage;
  target: StorageTarget;
  key: string;
  parsed: ParsedBackupKey;
  manifest: BackupManifest | null;
  /** Stored size in bytes (from storage, which the manifest must agree with). */
  sizeBytes: number;
  /**
   * For encrypted backups: the key id, and a decrypting transform when this machine's keychain has
   * the key (otherwise `unavailable` says why, and is thrown by whatever needs the plaintext).
   */
  encryption?: SourceEncryption | null | undefined;
  /** Set when the backup was read from a copy destination because `to` could not give it: why, in one sentence. */
  fromCopy?: FromCopy | undefined;
  /** Set when the backup is a file on disk (`restore --file`) rather than an object in storage. */
  file?: FileOrigin | undefined;
}

export interface SourceEncryption {
  keyId: string | null;
  decrypt: (() => NodeJS.ReadWriteStream) | null;
  unavailable: LifeboatError | null;
}

/**
 * Looks up the key an encrypted backup needs before anything is downloaded (the manifest names it;
 * without one, only the header is read). A missing key or keychain is not an error yet: verifying
 * the stored bytes' SHA-256 needs no key; restoring does, and then gets this error.
 */
async function sourceEncryption(storage: BackupStorage, key: string, parsed: ParsedBackupKey, manifest: BackupManifest | null, env: NodeJS.ProcessEnv): Promise<SourceEncryption | null> {
  if (!parsed.encrypted && !manifest?.encryption) return null;
  try {
    const prepared = await prepareDecryption(storage, key, keychainKeyResolver(env), undefined, manifest);
    if (!prepared) return null;
    return { keyId: prepared.keyId, decrypt: () => prepared.createStream(), unavailable: null };
  } catch (e) {
    if (e instanceof LifeboatError && /^(ENCRYPTION_KEY_|KEYCHAIN_)/.test(e.code)) return { keyId: manifest?.encryption?.keyId ?? null, decrypt: null, unavailable: e };
    throw e;
  }
}

/** Failures that say "not here, or not readable here": another copy may well do. Bad input and a cancel never are. */
const TRY_ANOTHER_COPY = /^(NOT_FOUND|MANIFEST_DAMAGED|STORAGE_)/;

export function mayTryAnotherCopy(e: unknown): e is LifeboatError {
  return e instanceof LifeboatError && TRY_ANOTHER_COPY.test(e.code);
}

/** Which copy was used instead of the storage, and why, in one sentence. */
export interface FromCopy {
  storage: string;
  note: string;
}

/**
 * `read` in the storage, or else in the first copy destination where it works; `say` words why a
 * copy was used (from what was read, the copy, the storage and the storage's own error). When no
 * place works, the storage's own error is the one reported, with what each copy said.
 */
export async function firstReadablePlace<T>(
  places: { to: StorageTarget; copies: readonly StorageTarget[] },
  read: (target: StorageTarget) => Promise<T>,
  say: (value: T, copy: string, primary: string, why: string) => string,
): Promise<{ value: T; target: StorageTarget; fromCopy?: FromCopy | undefined }> {
  try {
    return { value: await read(places.to), target: places.to };
  } catch (first) {
    if (places.copies.length === 0 || !mayTryAnotherCopy(first)) throw first;
    const problems: string[] = [];
    for (const copy of places.copies) {
      try {
        const value = await read(copy);
        const storage = describeTarget(copy);
        return { value, target: copy, fromCopy: { storage, note: say(value, storage, describeTarget(places.to), first.message) } };
      } catch (e) {
        if (!mayTryAnotherCopy(e)) throw e;
        problems.push(e.message);
      }
    }
    throw new LifeboatError(first.code, `${first.message} No copy destination had it either (${problems.join(' ')}).`, { hint: first.hint ?? undefined });
  }
}

/**
 * The backup from its storage, or else from the first copy destination that has it readable; the
 * result (and `onSourceNote`) says which copy was used and why. Bad input and a cancel never move
 * on to a copy; when no place works the storage's own error is the one reported.
 */
export async function resolveBackup(choice: BackupChoice, env: NodeJS.ProcessEnv): Promise<BackupSource> {
  const copies = choice.copies ?? [];
  if (copies.length === 0) return resolveIn(choice, env);
  const to = typeof choice.to === 'object' ? choice.to : parseStorageTarget(choice.to, env);
  const found = await firstReadablePlace({ to, copies }, (t) => resolveIn({ ...choice, to: t }, env), (source, copy, primary, why) => `Read ${source.key} from the copy at ${copy}, because ${primary} could not give it: ${why}`);
  if (!found.fromCopy) return found.value;
  choice.onSourceNote?.(found.fromCopy.note);
  return { ...found.value, fromCopy: found.fromCopy };
}

async function resolveIn(choice: BackupChoice, env: NodeJS.ProcessEnv): Promise<BackupSource> {
  if (choice.key && choice.latest) throw new LifeboatError('BAD_INPUT', 'Both the latest backup and one chosen backup were asked for; choose one.', { hint: { kind: 'choose-backup' } });
  if (!choice.key && !choice.latest) throw new LifeboatError('BAD_INPUT', 'No backup was chosen.', { hint: { kind: 'choose-backup' } });
  const target = typeof choice.to === 'object' ? choice.to : parseStorageTarget(choice.to, env);
  // Before the storage is even opened: a key that could leave the prefix touches nothing.
  if (choice.key) checkedBackupKey(choice.key, target.prefix);
  const storage = openStorage(target);
  // A named backup: its storage check, HEAD and manifest at once. The newest: the listing first.
  if (choice.key) return resolveKeyIn(storage, target, choice.key, env, { checkReadable: true });
  await storage.checkReadable();
  const entries = await listBackups(storage, { prefix: target.prefix, dbName: choice.dbName });
  const newest = entries[0];
  // "The newest backup" of a storage shared by several databases would be any one of them.
  const databases = [...new Set(entries.map((e) => e.dbName))].sort();
  if (!choice.dbName && databases.length > 1) {
    throw new LifeboatError(
      'BAD_INPUT',
      `${storage.display} holds backups of ${databases.length} databases (${databases.map((d) => `"${d}"`).join(', ')}), so "the latest backup" is ambiguous; name the database with --db-name NAME (e.g. --db-name ${databases[0]}), or choose one backup with --key.`,
    );
  }
  if (!newest) {
    throw new LifeboatError('NOT_FOUND', `There are no backups${choice.dbName ? ` of database "${choice.dbName}"` : ''} in ${storage.display}.`, { hint: { kind: 'list-backups' } });
  }
  return resolveKeyIn(storage, target, newest.key, env, { checkReadable: false });
}

function notFound(key: string, storage: BackupStorage): LifeboatError {
  return new LifeboatError('NOT_FOUND', `There is no backup ${key} in ${storage.display}.`, { hint: { kind: 'list-backups' } });
}

function badKey(key: string): LifeboatError {
  return new LifeboatError('BAD_INPUT', `"${key}" is not a backup key; keys look like database_backups/2025/05/15/db_20250515_031012.dump.`, { hint: { kind: 'list-backups' } });
}

/**
 * A backup named by its key: the storage check, the object's HEAD and its manifest are asked for at
 * once (one round-trip instead of three), and their failures reported in the order they used to
 * be met one after the other: storage unreadable, then no such backup, then the manifest's problem.
 */
async function resolveKeyIn(storage: BackupStorage, target: StorageTarget, key: string, env: NodeJS.ProcessEnv, opts: { checkReadable: boolean }): Promise<BackupSource> {
  const parsed = parseBackupKey(key);
  if (!parsed) throw badKey(key);
  const [readable, head, manifest] = await Promise.allSettled([opts.checkReadable ? storage.checkReadable() : Promise.resolve(), storage.head(key), readManifest(storage, key)]);
  if (readable.status === 'rejected') throw readable.reason;
  if (head.status === 'rejected') throw head.reason;
  if (!head.value) throw notFound(key, storage);
  if (manifest.status === 'rejected') throw manifest.reason;
  const encryption = await sourceEncryption(storage, key, parsed, manifest.value, env);
  return { storage, target, key, parsed, manifest: manifest.value, sizeBytes: head.value.size, encryption };
}
