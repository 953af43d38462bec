// The globals sidecar beside a backup: written create-only like the manifest and index, encrypted
// like the backup when it is, and read back only after its size and SHA-256 match the manifest.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { globalsKeyFor } from '../../../shared/backup-key.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import { createDecryptStream, type KeyResolver } from '../crypto/decrypt-stream.js';
import { createEncryptStream } from '../crypto/encrypt-stream.js';
import type { MasterKey } from '../crypto/master-key.js';
import { LifeboatError } from '../errors.js';
import type { BackupStorage } from '../storage/storage.js';
import { MAX_SQL_CHARS } from './sql-tokens.js';

export type GlobalsRecord = NonNullable<BackupManifest['globals']>;

async function collect(stream: NodeJS.ReadableStream, limit: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) throw new LifeboatError('INTEGRITY_FAILED', `${what} is larger than ${limit} bytes, which no real globals file is; it was not read.`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/**
 * Stores pg_dumpall's output at `<key>.globals.sql` (`.globals.sql.enc` when encrypted). `track`
 * is told the key before the write, so that a failure after it removes the object with the
 * backup, and null when the key already existed: someone else's, never to be deleted.
 */
export async function putGlobals(storage: BackupStorage, backupKey: string, text: string, encryption: MasterKey | null, track: (key: string | null) => void, signal?: AbortSignal): Promise<{ key: string; record: Omit<GlobalsRecord, 'rolePasswords' | 'pgDumpall'> }> {
  const key = globalsKeyFor(backupKey, encryption !== null);
  const plain = Buffer.from(text, 'utf8');
  const stored = encryption ? await collect(Readable.from([plain]).pipe(createEncryptStream(encryption)), MAX_SQL_CHARS * 2, 'The encrypted globals') : plain;
  track(key);
  try {
    await storage.upload(key, Readable.from([stored]), { contentType: encryption ? 'application/octet-stream' : 'application/sql', expectedBytes: stored.length, signal });
  } catch (e) {
    if (e instanceof LifeboatError && e.code === 'KEY_EXISTS') track(null);
    throw e;
  }
  const name = key.slice(key.lastIndexOf('/') + 1);
  return { key, record: { name, sizeBytes: stored.length, sha256: createHash('sha256').update(stored).digest('hex') } };
}

/**
 * The globals recorded with a backup, as text: checked against the manifest (size, SHA-256), then
 * decrypted with the key from the keychain when the backup is encrypted.
 */
export async function readGlobals(storage: BackupStorage, manifest: BackupManifest, resolveKey: KeyResolver, signal?: AbortSignal): Promise<string> {
  const record = manifest.globals;
  if (!record) {
    throw new LifeboatError('NOT_FOUND', manifest.globalsWarning ? `Backup ${manifest.key} has no globals: ${manifest.globalsWarning}` : `Backup ${manifest.key} has no globals recorded (it was made before Lifeboat recorded them, or imported); take a new backup to record them.`);
  }
  const encrypted = manifest.encryption !== null;
  const key = globalsKeyFor(manifest.key, encrypted);
  if (key.slice(key.lastIndexOf('/') + 1) !== record.name) {
    throw new LifeboatError('MANIFEST_DAMAGED', `The manifest of ${manifest.key} names its globals ${JSON.stringify(record.name)}, not the sidecar beside it; it was not read.`);
  }
  const stored = await collect(await storage.download(key, { signal }), MAX_SQL_CHARS * 2, `The globals of ${manifest.key}`);
  const sha256 = createHash('sha256').update(stored).digest('hex');
  if (stored.length !== record.sizeBytes || sha256 !== record.sha256) {
    throw new LifeboatError('INTEGRITY_FAILED', `The globals of ${manifest.key} (${key}) do not match the manifest (${stored.length} bytes, SHA-256 ${sha256.slice(0, 12)}…, expected ${record.sizeBytes} bytes, ${record.sha256.slice(0, 12)}…): they were changed or damaged, so they were not used.`);
  }
  const plain = encrypted ? await collect(Readable.from([stored]).pipe(createDecryptStream(resolveKey)), MAX_SQL_CHARS, `The globals of ${manifest.key}`) : stored;
  return plain.toString('utf8');
}
