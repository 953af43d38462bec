import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { PassThrough, pipeline, Readable } from 'node:stream';
import { LifeboatError, cancelledError } from '../errors.js';
import { choosePartSize } from './part-size.js';
import { describeS3Error, isPreconditionFailed, isS3NotFound, s3ErrorName, s3Status } from './s3-errors.js';
import { withStallWatchdog } from './stall-watchdog.js';
import type { BackupStorage, IncompleteUpload, IncompleteUploadListing, ReadRange, StoredObject, UploadOptions, SmallWriteOptions } from './storage.js';
import { DEFAULT_STALL_TIMEOUT_MS, describeTarget, type S3Target } from './target.js';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The SDK does the timing and the retrying: a connection that does not open within 10 s, or a
 * request whose socket sees no traffic for the stall timeout, fails with a TimeoutError, which the
 * standard retry strategy retries (4 attempts in all, with backoff) before Lifeboat reports
 * STORAGE_STALLED. `socketTimeout: false` is for reading bodies: a socket idles while the consumer
 * (pg_restore) is busy, so bodies get the demand-aware watchdog instead (stall-watchdog.ts).
 */
export function createS3Client(t: S3Target, opts: { socketTimeout?: boolean } = {}): S3Client {
  const stallMs = t.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  return new S3Client({
    region: t.region,
    endpoint: t.endpoint,
    forcePathStyle: t.forcePathStyle,
    credentials: t.credentials,
    // Many S3-compatible services reject the SDK's default CRC32 trailers; send checksums only
    // where S3 requires them. Lifeboat's own SHA-256 covers the whole object anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 4,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: Math.min(CONNECT_TIMEOUT_MS, stallMs),
      ...(opts.socketTimeout === false ? {} : { socketTimeout: stallMs }),
    },
  });
}

/** The ETag S3 gives a completed multipart upload: MD5 of the parts' binary MD5s, then -N. */
function multipartEtag(partEtags: readonly string[]): string {
  const md5 = createHash('md5');
  for (const e of partEtags) md5.update(Buffer.from(e.replace(/"/g, ''), 'hex'));
  return `${md5.digest('hex')}-${partEtags.length}`;
}

export class S3Storage implements BackupStorage {
  readonly display: string;
  private readonly client: S3Client;
  private readonly readClient: S3Client;
  private readonly stallMs: number;

  constructor(private readonly target: S3Target) {
    this.display = describeTarget(target);
    this.client = createS3Client(target);
    this.readClient = createS3Client(target, { socketTimeout: false });
    this.stallMs = target.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  }

  private sse(): { ServerSideEncryption?: 'AES256' | 'aws:kms'; SSEKMSKeyId?: string } {
    const s = this.target.serverSideEncryption;
    if (!s) return {};
    if (s.mode === 'AES256') return { ServerSideEncryption: 'AES256' };
    return { ServerSideEncryption: 'aws:kms', ...(s.kmsKeyId ? { SSEKMSKeyId: s.kmsKeyId } : {}) };
  }

  async checkReadable(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.target.bucket }));
    } catch (e) {
      throw describeS3Error(e, this.target, 'check');
    }
  }

  async checkWritable(): Promise<void> {
    await this.checkReadable();
  }

  private exists(key: string): LifeboatError {
    return new LifeboatError('KEY_EXISTS', `${key} already exists in ${this.display}; Lifeboat never overwrites a backup, its manifest or its claim.`);
  }

  async upload(key: string, body: Readable, opts: UploadOptions): Promise<void> {
    if (await this.head(key)) throw this.exists(key);
    // Counts what lib-storage consumed, to recognise our own object when an answer is lost.
    let sent = 0;
    let ended = false;
    const counter = new PassThrough();
    counter.on('data', (c: Buffer) => (sent += c.length));
    counter.on('end', () => (ended = true));
    // pipeline, not pipe(): it also passes on an error the body had before this point (pg_dump can
    // die while the HEAD above is still on the wire), which an 'error' listener added now would miss
    // and leave lib-storage waiting forever for bytes that never come.
    pipeline(body, counter, () => undefined);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.target.bucket,
        Key: key,
        Body: counter,
        ContentType: opts.contentType,
        // Create-only where the server enforces it (AWS on PutObject and CompleteMultipartUpload,
        // RGW on PutObject only); the caller's claim covers the rest.
        IfNoneMatch: '*',
        ...(this.target.storageClass ? { StorageClass: this.target.storageClass as StorageClass } : {}),
        ...this.sse(),
      },
      partSize: choosePartSize(opts.expectedBytes),
      // Two parts in flight keep the network busy while pg_dump fills the next one, and bound
      // memory to a few parts whatever the database size.
      queueSize: 2,
      // We abort the multipart upload ourselves: lib-storage would replace the real failure
      // with the abort's own error whenever the abort also fails.
      leavePartsOnError: true,
    });
    const onAbort = (): void => void upload.abort().catch(() => undefined);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let confirmedSse: string | undefined;
    try {
      const r = await upload.done();
      confirmedSse = 'ServerSideEncryption' in r ? r.ServerSideEncryption : undefined;
    } catch (e) {
      body.destroy();
      if (opts.signal?.aborted) {
        const id = await uploadIdOf(upload);
        if (id) await this.abortMultipart(key, id);
        throw cancelledError('The upload');
      }
      const recovered = ended ? await this.recoverLostCompletion(key, sent, upload) : null;
      if (recovered) {
        confirmedSse = recovered.sse;
      } else {
        const id = await uploadIdOf(upload);
        const leftover = id ? await this.abortMultipart(key, id) : null;
        const tail = leftover ? ` The incomplete upload could not be aborted (${leftover}); \`lifeboat prune\` removes it later.` : '';
        const err = describeS3Error(e, this.target, 'store the backup');
        throw tail ? new LifeboatError(err.code, `${err.message.replace(/\.?$/, '.')}${tail}`, { cause: e }) : err;
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    await this.requireSseConfirmed(key, confirmedSse);
  }

  /**
   * The last request (PutObject or CompleteMultipartUpload) may have succeeded even though its
   * answer was lost: the SDK's retry then gets NoSuchUpload (or 412). The key was free when this
   * upload started and the caller holds its claim, so whatever is at the key now is this upload's.
   * If it has exactly the bytes we sent (and, where the server gives multipart ETags in S3's
   * `md5-N` form, the ETag our parts make), the upload succeeded: keep it. Anything else is a
   * half-done write of ours: remove it, so no object is ever left at a real key without a manifest.
   */
  private async recoverLostCompletion(key: string, sent: number, upload: Upload): Promise<{ sse: string | undefined } | null> {
    let r;
    try {
      r = await this.client.send(new HeadObjectCommand({ Bucket: this.target.bucket, Key: key }));
    } catch {
      return null;
    }
    let matches = (r.ContentLength ?? -1) === sent;
    // lib-storage keeps the parts' ETags in a field it does not export; when it is there the check is exact.
    const parts = (upload as unknown as { uploadedParts?: { ETag?: string }[] }).uploadedParts;
    const etags = parts?.map((p) => p.ETag ?? '') ?? [];
    const stored = (r.ETag ?? '').replace(/"/g, '');
    if (matches && upload.uploadId && etags.length > 0 && etags.every(Boolean) && /-\d+$/.test(stored)) {
      matches = stored === multipartEtag(etags);
    }
    if (matches) return { sse: r.ServerSideEncryption };
    await this.client.send(new DeleteObjectCommand({ Bucket: this.target.bucket, Key: key })).catch(() => undefined);
    return null;
  }

  /**
   * A server that takes an SSE request and answers without confirming it may have stored the
   * backup unencrypted (RGW does so for SSE-S3). The user asked for encryption at rest, so Lifeboat
   * removes the object it just created and fails, rather than report a success that is not one.
   */
  private async requireSseConfirmed(key: string, confirmed: string | undefined): Promise<void> {
    const wanted = this.target.serverSideEncryption;
    if (!wanted || confirmed) return;
    // CompleteMultipartUpload answers carry no SSE header on some servers (RGW) even when the
    // object is encrypted; the object's own HEAD is the authority then.
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.target.bucket, Key: key })).catch(() => null);
    if (head?.ServerSideEncryption) return;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.target.bucket, Key: key })).catch(() => undefined);
    throw new LifeboatError(
      'STORAGE_SSE_UNCONFIRMED',
      `The ${this.display} stored ${key} without confirming server-side encryption (${wanted.mode}), so it may be unencrypted; the object was removed. Use a server that supports ${wanted.mode}, or turn server-side encryption off for this profile (client-side encryption with \`--encrypt\` works everywhere).`,
    );
  }

  /** Aborts a multipart upload (the SDK retries transient failures); returns null when done, or why it failed. */
  private async abortMultipart(key: string, uploadId: string): Promise<string | null> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: key, UploadId: uploadId }));
      return null;
    } catch (e) {
      if (s3ErrorName(e) === 'NoSuchUpload' || s3Status(e) === 404) return null;
      return s3ErrorName(e) || String(e);
    }
  }

  async putSmall(key: string, data: string, opts: SmallWriteOptions): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.target.bucket,
          Key: key,
          Body: data,
          ContentType: opts.contentType,
          ...(opts.mode === 'create' ? { IfNoneMatch: '*' } : {}),
          ...this.sse(),
        }),
        { abortSignal: opts.signal },
      );
    } catch (e) {
      if (opts.signal?.aborted) throw cancelledError(`Writing ${key}`);
      // 409 ConditionalRequestConflict: another conditional write to the key was in flight; one of them wins.
      if (opts.mode === 'create' && (isPreconditionFailed(e) || s3ErrorName(e) === 'ConditionalRequestConflict')) throw this.exists(key);
      throw describeS3Error(e, this.target, `write ${key}`);
    }
  }

  async getSmall(key: string): Promise<string | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: key }));
      return (await r.Body?.transformToString('utf8')) ?? null;
    } catch (e) {
      if (isS3NotFound(e)) return null;
      throw describeS3Error(e, this.target, `read ${key}`);
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.target.bucket, Key: key }));
      return { key, size: r.ContentLength ?? 0, lastModified: r.LastModified ?? new Date(0) };
    } catch (e) {
      if (isS3NotFound(e)) return null;
      throw describeS3Error(e, this.target, `read ${key}`);
    }
  }

  private notFound(key: string): LifeboatError {
    return new LifeboatError('NOT_FOUND', `There is no object ${key} in ${this.display}.`, { hint: { kind: 'list-backups' } });
  }

  async download(key: string, opts: ReadRange & { signal?: AbortSignal | undefined } = {}): Promise<Readable> {
    const offset = opts.offset ?? 0;
    if (opts.length === 0) {
      if (!(await this.head(key))) throw this.notFound(key);
      return Readable.from([]);
    }
    const range = offset > 0 || opts.length !== undefined ? `bytes=${offset}-${opts.length === undefined ? '' : offset + opts.length - 1}` : undefined;
    // Until the headers arrive a stalled server is caught by this timer; after that by the watchdog.
    const headers = new AbortController();
    const forward = (): void => headers.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', forward, { once: true });
    const timer = setTimeout(() => headers.abort(new Error('stalled')), this.stallMs);
    try {
      const r = await this.readClient.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: key, ...(range ? { Range: range } : {}) }), {
        abortSignal: headers.signal,
      });
      if (!(r.Body instanceof Readable)) throw new Error('the response has no body stream');
      return withStallWatchdog(r.Body, this.stallMs, () =>
        new LifeboatError('STORAGE_STALLED', `The ${this.display} stopped sending ${key} (nothing for ${Math.round(this.stallMs / 1000)} s); check the endpoint and the network, then try again.`),
      );
    } catch (e) {
      if (opts.signal?.aborted) throw cancelledError('Reading the backup');
      if (s3ErrorName(e) === 'InvalidRange' || s3Status(e) === 416) {
        if (!(await this.head(key))) throw this.notFound(key);
        return Readable.from([]);
      }
      if (isS3NotFound(e)) throw this.notFound(key);
      if (headers.signal.aborted) {
        throw new LifeboatError('STORAGE_STALLED', `The ${this.display} did not start sending ${key} within ${Math.round(this.stallMs / 1000)} s; check the endpoint and the network, then try again.`, { cause: e });
      }
      throw describeS3Error(e, this.target, `read ${key}`);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', forward);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    try {
      for await (const page of paginateListObjectsV2({ client: this.client, pageSize: 1000 }, { Bucket: this.target.bucket, Prefix: prefix })) {
        for (const o of page.Contents ?? []) {
          if (o.Key) yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
        }
      }
    } catch (e) {
      throw describeS3Error(e, this.target, 'list backups');
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      let r;
      try {
        r = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.target.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
      } catch (e) {
        throw describeS3Error(e, this.target, 'delete objects');
      }
      const failed = r.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw describeS3Error({ name: first?.Code, message: first?.Message, $metadata: {} }, this.target, `delete ${failed.length} object(s), first ${first?.Key}`);
      }
    }
  }

  async listIncompleteUploads(prefix: string): Promise<IncompleteUploadListing> {
    const uploads: IncompleteUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      for (let page = 0; page < 10_000; page++) {
        const r = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.target.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
        for (const u of r.Uploads ?? []) {
          if (u.Key && u.UploadId) uploads.push({ key: u.Key, id: u.UploadId, startedAt: (u.Initiated ?? new Date(0)).toISOString() });
        }
        if (!r.IsTruncated) break;
        keyMarker = r.NextKeyMarker;
        uploadIdMarker = r.NextUploadIdMarker;
      }
    } catch (e) {
      // Some S3-compatible servers do not implement the listing at all.
      if (s3ErrorName(e) === 'NotImplemented' || s3Status(e) === 501 || s3Status(e) === 405) {
        return { supported: false, uploads: [], note: `${this.display} cannot list incomplete multipart uploads (${s3ErrorName(e) || 'not implemented'}); none were checked.` };
      }
      throw describeS3Error(e, this.target, 'list incomplete uploads');
    }
    return { supported: true, uploads, note: null };
  }

  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    const why = await this.abortMultipart(upload.key, upload.id);
    if (why !== null) throw new LifeboatError('STORAGE_ERROR', `Could not abort the incomplete upload of ${upload.key} in ${this.display} (${why}); try again later.`);
  }
}

/**
 * The multipart upload's id, waiting for a CreateMultipartUpload still on the wire: `done()` gives
 * up at once on a cancel, and the upload the server then creates would be left behind (listed as
 * interrupted until prune). lib-storage keeps that request's promise in a field it does not export.
 */
async function uploadIdOf(upload: Upload): Promise<string | undefined> {
  if (upload.uploadId) return upload.uploadId;
  const creating = (upload as unknown as { createMultiPartPromise?: Promise<{ UploadId?: string }> }).createMultiPartPromise;
  return creating ? (await creating.catch(() => undefined))?.UploadId : undefined;
}
