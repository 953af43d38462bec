import { pipeline, type Readable } from 'node:stream';
import { parseBackupKey } from '../../../shared/backup-key.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import { readManifest } from '../backup/list-backups.js';
import { LifeboatError } from '../errors.js';
import type { BackupStorage } from '../storage/storage.js';
import { createDecryptStream, missingKeyError, type DecryptStream, type KeyResolver } from './decrypt-stream.js';
import { FIXED_HEADER_BYTES, parseHeader } from './format.js';
import type { MasterKey } from './master-key.js';

export interface PreparedDecryption {
  keyId: string;
  /** A decrypting transform for this backup's stored bytes (the key is already resolved). */
  createStream(): DecryptStream;
}

/** Reads just enough of a stream to parse the header, then stops the download. */
export async function readHeaderKeyId(body: Readable): Promise<string> {
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      length += chunk.length;
      const header = length >= FIXED_HEADER_BYTES ? parseHeader(Buffer.concat(parts)) : null;
      if (header) return header.keyId;
    }
  } finally {
    body.destroy();
  }
  throw new LifeboatError('ENCRYPTED_DATA_TRUNCATED', 'The encrypted backup ends inside its header: the file was cut short.');
}

/**
 * For restore, extract, verify --deep and decrypt: finds the key an encrypted backup needs and
 * resolves it before any data is downloaded (the manifest names it; without a manifest only the
 * header's first bytes are read). Returns null for a backup that is not encrypted.
 */
export async function prepareDecryption(storage: BackupStorage, key: string, resolveKey: KeyResolver, signal?: AbortSignal, knownManifest?: BackupManifest | null): Promise<PreparedDecryption | null> {
  const manifest = knownManifest !== undefined ? knownManifest : await readManifest(storage, key);
  const encryptedByName = parseBackupKey(key)?.encrypted ?? key.endsWith('.enc');
  let keyId = manifest?.encryption?.keyId ?? null;
  if (keyId === null) {
    if (!encryptedByName) return null;
    keyId = await readHeaderKeyId(await storage.download(key, { signal }));
  }
  const masterKey: MasterKey | null = await resolveKey(keyId);
  if (!masterKey) throw missingKeyError(keyId);
  const id = keyId;
  return { keyId: id, createStream: () => createDecryptStream((asked) => (asked === id ? masterKey : resolveKey(asked))) };
}

/**
 * One call for restore, extract and verify --deep: the backup's plaintext (what pg_dump wrote) as a
 * stream, decrypted when the backup is encrypted and as stored otherwise. The key is checked before
 * the download starts; a damaged encrypted backup makes the stream fail with its specific error.
 */
export async function openBackupPlaintext(storage: BackupStorage, key: string, resolveKey: KeyResolver, opts: { signal?: AbortSignal | undefined } = {}): Promise<Readable> {
  const prepared = await prepareDecryption(storage, key, resolveKey, opts.signal);
  const body = await storage.download(key, { signal: opts.signal });
  if (!prepared) return body;
  // pipeline forwards an error of either side to the other and destroys both.
  return pipeline(body, prepared.createStream(), () => undefined);
}
