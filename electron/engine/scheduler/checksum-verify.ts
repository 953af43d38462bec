import { createHash } from 'node:crypto';
import { readManifest } from '../backup/list-backups.js';
import { LifeboatError } from '../errors.js';
import type { BackupStorage } from '../storage/storage.js';

export interface ChecksumResult {
  key: string;
  ok: true;
  sizeBytes: number;
  sha256: string;
}

/**
 * The scheduler's periodic check: reads the stored object back and compares its size and SHA-256
 * with the manifest written when it was made. A small stand-in until the restore branch's verify
 * engine (which also test-restores) is wired in; throws a LifeboatError when they differ.
 */
export async function verifyChecksum(storage: BackupStorage, key: string, signal?: AbortSignal): Promise<ChecksumResult> {
  const manifest = await readManifest(storage, key);
  if (!manifest) throw new LifeboatError('NOT_FOUND', `The backup ${key} has no valid manifest, so there is no checksum to compare with; take a new backup.`);
  const hash = createHash('sha256');
  let size = 0;
  const body = await storage.download(key, { signal });
  for await (const chunk of body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  const sha256 = hash.digest('hex');
  if (size !== manifest.sizeBytes || sha256 !== manifest.sha256) {
    throw new LifeboatError('CHECKSUM_MISMATCH', `The backup ${key} does not match its manifest (${size} bytes, SHA-256 ${sha256.slice(0, 12)}…; expected ${manifest.sizeBytes} bytes, ${manifest.sha256.slice(0, 12)}…): it is damaged, take a new backup.`);
  }
  return { key, ok: true, sizeBytes: size, sha256 };
}
