import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LifeboatError } from '../errors.js';
import type { BackupSource } from './backup-source.js';

/**
 * A step applied to the stored bytes after they were hashed and before they are unzipped or given
 * to pg_restore/psql — the place where encrypted (`.enc`) objects get decrypted. It receives the
 * source so it can read the manifest's encryption block. Errors it raises fail the restore.
 */
export type BackupStreamTransform = (source: BackupSource) => NodeJS.ReadWriteStream;

export interface BackupStreamOptions {
  /** Steps for the stored bytes, in order (e.g. a decrypting transform for `.enc` objects). */
  transforms?: readonly BackupStreamTransform[] | undefined;
  /** Gunzip after the transforms (plain `.sql.gz` backups). */
  gunzip: boolean;
  signal?: AbortSignal | undefined;
  onBytes?: ((n: number) => void) | undefined;
  /** Only the stored bytes, not decrypted (checking the SHA-256 of an encrypted backup needs no key). */
  stored?: boolean | undefined;
}

/**
 * Checks, as the bytes pass, that the object is exactly what the manifest describes. The check
 * runs before the last byte is released, so a consumer never sees a clean end of a corrupted or
 * truncated object: the stream fails instead.
 */
export class IntegrityCheck extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  sha256: string | null = null;

  constructor(
    private readonly key: string,
    private readonly expectedSha256: string | null,
    private readonly expectedBytes: number | null,
    private readonly onBytes?: (n: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.sha256 = this.hash.digest('hex');
    if (this.expectedBytes !== null && this.bytes !== this.expectedBytes) {
      cb(new LifeboatError('INTEGRITY_FAILED', `Backup ${this.key} is ${this.bytes} bytes long but its manifest says ${this.expectedBytes}: the object is truncated or damaged, so it was not used. Restore another backup.`));
      return;
    }
    if (this.expectedSha256 !== null && this.sha256 !== this.expectedSha256) {
      cb(new LifeboatError('INTEGRITY_FAILED', `Backup ${this.key} does not match the SHA-256 in its manifest: the object is damaged, so it was not used. Restore another backup.`));
      return;
    }
    cb();
  }
}

export interface OpenedBackupStream {
  /** The restorable bytes: custom archive or SQL text. Fails instead of ending if anything is wrong. */
  stream: Readable;
  integrity: IntegrityCheck;
}

/**
 * The one download pipeline every restore, extract and verify uses:
 * storage → integrity check (size + SHA-256 of the stored bytes) → transforms (decrypt) → gunzip.
 * Backups without a manifest are only measured (nothing to compare with); gzip and pg_restore
 * still catch truncation of those.
 */
export async function openBackupStream(source: BackupSource, opts: BackupStreamOptions): Promise<OpenedBackupStream> {
  // Encrypted backups are decrypted transparently with the key from the keychain, checked (and a
  // missing one reported) before the download starts.
  const enc = source.encryption;
  const autoDecrypt = !opts.stored && (opts.transforms ?? []).length === 0 && (enc || source.parsed.encrypted) ? (enc?.decrypt ?? null) : null;
  if (!opts.stored && (opts.transforms ?? []).length === 0 && (enc || source.parsed.encrypted) && !autoDecrypt) {
    throw enc?.unavailable ?? new LifeboatError('ENCRYPTED_BACKUP', `Backup ${source.key} is encrypted, and this restore has no key to decrypt it.`, { hint: { kind: 'import-key' } });
  }
  const raw = await source.storage.download(source.key, { signal: opts.signal });
  const m = source.manifest;
  const integrity = new IntegrityCheck(source.key, m?.sha256 ?? null, m?.sizeBytes ?? null, opts.onBytes);
  const stages: (NodeJS.ReadableStream | NodeJS.ReadWriteStream)[] = [raw, integrity];
  if (autoDecrypt) stages.push(autoDecrypt());
  for (const t of opts.transforms ?? []) stages.push(t(source));
  if (opts.gunzip) stages.push(createGunzip());
  const stream = (pipeline as unknown as (...s: unknown[]) => Readable)(...stages, (err: Error | null) => {
    // pipeline destroys the last stage with the error; consumers see it there.
    void err;
  });
  return { stream, integrity };
}

/** Gzip's own words for a damaged stream, turned into the restore's sentence. */
export function describeStreamError(e: unknown, key: string): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'Z_BUF_ERROR' || err?.code === 'Z_DATA_ERROR' || /unexpected end of file|incorrect header check|invalid/i.test(err?.message ?? '')) {
    return new LifeboatError('INTEGRITY_FAILED', `Backup ${key} is not a complete gzip stream (${err.message}): the object is truncated or damaged, so it was not used. Restore another backup.`, { cause: e });
  }
  return new LifeboatError('STORAGE_ERROR', `Reading backup ${key} from storage was interrupted (${err?.message ?? String(e)}), so nothing was restored; check the connection to the storage and try again.`, { cause: e });
}
