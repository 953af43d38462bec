import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { CLAIM_SUFFIX, COPIES_SUFFIX, MANIFEST_SUFFIX, VERIFY_SUFFIX, indexKeyFor, manifestKeyFor } from '../../../shared/backup-key.js';
import { parseManifestText, type BackupManifest } from '../../../shared/manifest.js';
import { claimBackupKey, type KeyClaim } from '../backup/claim-key.js';
import { putSidecar } from '../backup/put-sidecar.js';
import { StreamMeter } from '../backup/stream-meter.js';
import { LifeboatError, isLifeboatError, throwIfAborted } from '../errors.js';
import type { BackupStorage } from '../storage/storage.js';

export interface CopyOptions {
  signal?: AbortSignal | undefined;
  /** Bytes of the backup object read from the source and sent to the destination. */
  onBytes?: ((n: number) => void) | undefined;
}

/** What a copy checks an object against: the manifest's figures. */
interface Expected {
  sizeBytes: number;
  sha256: string;
}

/**
 * Sidecars are found by listing, not from a fixed list, so a sidecar a newer feature adds (an
 * index, globals…) is copied too. Not copied: the manifest (written last, on its own), the
 * source's claim, its verify record (a verification of that place, not of this one) and its copies
 * record (written after every copy).
 */
async function sidecarKeys(source: BackupStorage, key: string): Promise<string[]> {
  const skip = [MANIFEST_SUFFIX, CLAIM_SUFFIX, VERIFY_SUFFIX, COPIES_SUFFIX];
  const out: string[] = [];
  for await (const o of source.list(`${key}.`)) {
    if (o.key.startsWith(`${key}.`) && !skip.some((s) => o.key.endsWith(s))) out.push(o.key);
  }
  return out.sort();
}

function contentTypeOf(key: string): string {
  return key.endsWith('.json') ? 'application/json' : key.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream';
}

/** Streams one object across, hashing it on the way; checks it against `expected` when given. */
async function copyObject(source: BackupStorage, dest: BackupStorage, key: string, expected: Expected | null, opts: CopyOptions): Promise<void> {
  const body = await source.download(key, { signal: opts.signal });
  const meter = new StreamMeter((n) => opts.onBytes?.(n));
  const metered = (pipeline as unknown as (...s: unknown[]) => Readable)(body, meter, () => undefined);
  await dest.upload(key, metered, { contentType: contentTypeOf(key), expectedBytes: expected?.sizeBytes ?? null, signal: opts.signal });
  const sha256 = meter.digest();
  if (expected && (meter.bytes !== expected.sizeBytes || sha256 !== expected.sha256)) {
    throw new LifeboatError(
      'INTEGRITY_FAILED',
      `${key} read from ${source.display} has ${meter.bytes} bytes with SHA-256 ${sha256.slice(0, 12)}…, but its manifest says ${expected.sizeBytes} bytes with ${expected.sha256.slice(0, 12)}…; it was not copied. Verify the backup where it was made.`,
    );
  }
  const stored = await dest.head(key);
  if (!stored || stored.size !== meter.bytes) {
    throw new LifeboatError('STORAGE_ERROR', `${dest.display} holds ${stored?.size ?? 'no'} bytes at ${key} after ${meter.bytes} were sent; the copy was removed.`);
  }
}

async function readSourceManifest(source: BackupStorage, key: string): Promise<{ text: string; manifest: BackupManifest }> {
  const text = await source.getSmall(manifestKeyFor(key));
  if (text === null) throw new LifeboatError('NOT_FOUND', `${source.display} holds no manifest for ${key}, so there is no complete backup to copy.`);
  const read = parseManifestText(text, key);
  if (read.status !== 'ok') throw new LifeboatError('MANIFEST_DAMAGED', `${key} in ${source.display} is not copied because ${read.status === 'missing' ? 'its manifest is missing' : read.problem}.`);
  return { text, manifest: read.manifest };
}

async function claimAtDestination(dest: BackupStorage, key: string, signal: AbortSignal | undefined): Promise<KeyClaim> {
  try {
    // The same key, never another second: a copy is the same backup. The claim also checks that
    // nothing (another tool's backup, an earlier copy) is there already.
    return await claimBackupKey(dest, { keyFor: () => key, startedAt: new Date(0), maxSeconds: 1, signal });
  } catch (e) {
    if (isLifeboatError(e) && e.code === 'KEY_EXISTS') {
      throw new LifeboatError('KEY_EXISTS', `${dest.display} already holds ${key} (or another run is writing it); Lifeboat never overwrites a backup, so it was not copied there.`);
    }
    throw e;
  }
}

/**
 * Copies one complete backup (object, every sidecar, then the manifest, byte for byte) from
 * `source` to `dest` under the same keys. The same rules as a backup: a create-only claim on the
 * key first, the object checked against the manifest's size and SHA-256 after the upload, the
 * manifest written last and create-only, and on any failure or cancel everything this copy wrote
 * is removed (nothing under a real key, no claim left).
 */
export async function copyBackup(source: BackupStorage, dest: BackupStorage, key: string, opts: CopyOptions = {}): Promise<void> {
  const { text, manifest } = await readSourceManifest(source, key);
  await dest.checkWritable();
  throwIfAborted(opts.signal, 'The copy');
  const claim = await claimAtDestination(dest, key, opts.signal);
  const created: string[] = [];
  let manifestWritten = false;
  try {
    const sidecars = await sidecarKeys(source, key);
    created.push(key);
    await copyObject(source, dest, key, manifest, opts);
    for (const sidecar of sidecars) {
      throwIfAborted(opts.signal, 'The copy');
      created.push(sidecar);
      await copyObject(source, dest, sidecar, sidecar === indexKeyFor(key) && manifest.index ? manifest.index : null, { signal: opts.signal });
    }
    throwIfAborted(opts.signal, 'The copy');
    if (!claim.enforced && !(await claim.isStillOurs())) {
      created.length = 0; // another process holds the key now: what is there may be its
      throw new LifeboatError('KEY_EXISTS', `Another run took over ${key} at ${dest.display} while it was being copied (the storage ignores create-only writes); the copy there is not kept.`);
    }
    await putSidecar(dest, manifestKeyFor(key), text, (k) => {
      if (k === null) created.length = 0; // someone else's manifest: their backup, never ours to delete
      else created.push(k);
    });
    manifestWritten = true;
  } finally {
    if (!manifestWritten && created.length > 0 && (claim.enforced || (await claim.isStillOurs().catch(() => false)))) {
      await dest.delete(created).catch(() => undefined);
    }
    await claim.release().catch(() => undefined);
  }
}
