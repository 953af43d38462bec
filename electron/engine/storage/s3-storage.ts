import {
  AbortMultipartUploadCommand,
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
import { Readable } from 'node:stream';
import { LifeboatError, cancelledError } from '../errors.js';
import { choosePartSize } from './part-size.js';
import { describeS3Error } from './s3-errors.js';
import type { BackupStorage, IncompleteUploads, StoredObject, UploadOptions } from './storage.js';
import { describeTarget, type S3Target } from './target.js';

export function createS3Client(t: S3Target): S3Client {
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
  });
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404;
}

export class S3Storage implements BackupStorage {
  readonly display: string;
  private readonly client: S3Client;

  constructor(private readonly target: S3Target) {
    this.display = describeTarget(target);
    this.client = createS3Client(target);
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

  async upload(key: string, body: Readable, opts: UploadOptions): Promise<void> {
    if (await this.head(key)) {
      throw new LifeboatError('KEY_EXISTS', `A backup already exists at ${key}; Lifeboat never overwrites a backup. Try again in a second.`);
    }
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.target.bucket,
        Key: key,
        Body: body,
        ContentType: opts.contentType,
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
    try {
      await upload.done();
    } catch (e) {
      body.destroy();
      const leftover = upload.uploadId ? await this.abortMultipart(key, upload.uploadId) : null;
      const tail = leftover ? ` The incomplete upload could not be aborted (${leftover}); \`lifeboat prune\` removes it later.` : '';
      if (opts.signal?.aborted) throw cancelledError('The upload');
      const err = describeS3Error(e, this.target, 'store the backup');
      throw tail ? new LifeboatError(err.code, `${err.message.replace(/\.?$/, '.')}${tail}`, { cause: e }) : err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Aborts a multipart upload, retrying briefly; returns null when done, or why it failed. */
  private async abortMultipart(key: string, uploadId: string): Promise<string | null> {
    let last = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: key, UploadId: uploadId }));
        return null;
      } catch (e) {
        const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (err.name === 'NoSuchUpload' || err.$metadata?.httpStatusCode === 404) return null;
        last = err.name ?? String(e);
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
    return last;
  }

  async putSmall(key: string, data: string, contentType: string): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.target.bucket, Key: key, Body: data, ContentType: contentType, ...this.sse() }),
      );
    } catch (e) {
      throw describeS3Error(e, this.target, `write ${key}`);
    }
  }

  async getSmall(key: string): Promise<string | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: key }));
      return (await r.Body?.transformToString('utf8')) ?? null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw describeS3Error(e, this.target, `read ${key}`);
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.target.bucket, Key: key }));
      return { key, size: r.ContentLength ?? 0, lastModified: r.LastModified ?? new Date(0) };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw describeS3Error(e, this.target, `read ${key}`);
    }
  }

  async download(key: string, opts: { signal?: AbortSignal | undefined; start?: number } = {}): Promise<Readable> {
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.target.bucket, Key: key, ...(opts.start ? { Range: `bytes=${opts.start}-` } : {}) }),
        { abortSignal: opts.signal },
      );
      if (!(r.Body instanceof Readable)) throw new Error('the response has no body stream');
      return r.Body;
    } catch (e) {
      if (isNotFound(e)) throw new LifeboatError('NOT_FOUND', `There is no object ${key} in ${this.display}; run \`lifeboat list\` to see the backups there.`);
      throw describeS3Error(e, this.target, `read ${key}`);
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
      try {
        const r = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.target.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        const failed = r.Errors ?? [];
        if (failed.length > 0) {
          throw new LifeboatError('STORAGE_ERROR', `Could not delete ${failed.length} object(s) from ${this.display}, first ${failed[0]?.Key}: ${failed[0]?.Message ?? failed[0]?.Code}.`);
        }
      } catch (e) {
        throw describeS3Error(e, this.target, 'delete objects');
      }
    }
  }

  async cleanupIncompleteUploads(prefix: string, olderThan: Date, dryRun: boolean): Promise<IncompleteUploads> {
    const found: IncompleteUploads['found'] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      for (let page = 0; page < 1000; page++) {
        const r = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.target.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
        for (const u of r.Uploads ?? []) {
          if (u.Key && u.UploadId && u.Initiated && u.Initiated < olderThan) found.push({ key: u.Key, id: u.UploadId, startedAt: u.Initiated.toISOString() });
        }
        if (!r.IsTruncated) break;
        keyMarker = r.NextKeyMarker;
        uploadIdMarker = r.NextUploadIdMarker;
      }
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      // Some S3-compatible servers (s3rver among them) do not implement the listing at all.
      if (err.name === 'NotImplemented' || err.$metadata?.httpStatusCode === 501 || err.$metadata?.httpStatusCode === 405) {
        return { supported: false, found: [], removed: 0, note: `${this.display} cannot list incomplete multipart uploads (${err.name ?? 'not implemented'}); none were checked.` };
      }
      throw describeS3Error(e, this.target, 'list incomplete uploads');
    }
    let removed = 0;
    const failures: string[] = [];
    if (!dryRun) {
      for (const u of found) {
        const why = await this.abortMultipart(u.key, u.id);
        if (why === null) removed++;
        else failures.push(`${u.key} (${why})`);
      }
    }
    return { supported: true, found, removed, note: failures.length > 0 ? `Could not abort ${failures.length} upload(s): ${failures.join(', ')}.` : null };
  }
}
