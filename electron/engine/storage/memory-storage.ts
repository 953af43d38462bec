import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { LifeboatError, cancelledError } from '../errors.js';
import type { BackupStorage, IncompleteUpload, IncompleteUploadListing, ReadRange, StoredObject, UploadOptions, SmallWriteOptions } from './storage.js';

interface MemoryObject {
  data: Buffer;
  lastModified: Date;
}

/**
 * The storage contract in memory, for unit tests of the engine (as restic's `mem` backend): it
 * passes the same conformance suite as S3 and the local folder. Create-only checks happen in one
 * synchronous step, so racing writers get exactly one success. An upload in progress is listed as
 * incomplete until it ends, as a multipart upload is; `leaveIncomplete` simulates a killed process.
 */
export class MemoryStorage implements BackupStorage {
  readonly display: string;
  readonly objects = new Map<string, MemoryObject>();
  readonly incomplete = new Map<string, IncompleteUpload>();

  constructor(
    name = 'memory',
    private readonly now: () => Date = () => new Date(),
  ) {
    this.display = `memory://${name}`;
  }

  checkWritable(): Promise<void> {
    return Promise.resolve();
  }

  checkReadable(): Promise<void> {
    return Promise.resolve();
  }

  private exists(key: string): LifeboatError {
    return new LifeboatError('KEY_EXISTS', `${key} already exists in ${this.display}; Lifeboat never overwrites a backup, its manifest or its claim.`);
  }

  /** Starts an upload that never ends, as `kill -9` in the middle of a backup leaves one. */
  leaveIncomplete(key: string, startedAt: Date = this.now()): IncompleteUpload {
    const u = { key, id: randomBytes(8).toString('hex'), startedAt: startedAt.toISOString() };
    this.incomplete.set(u.id, u);
    return u;
  }

  async upload(key: string, body: Readable, opts: UploadOptions): Promise<void> {
    if (this.objects.has(key)) throw this.exists(key);
    const pending = this.leaveIncomplete(key);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of body) {
        if (opts.signal?.aborted) throw cancelledError('The backup');
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
      }
      if (opts.signal?.aborted) throw cancelledError('The backup');
      if (this.objects.has(key)) throw this.exists(key);
      this.objects.set(key, { data: Buffer.concat(chunks), lastModified: this.now() });
    } catch (e) {
      body.destroy();
      if (opts.signal?.aborted) throw cancelledError('The backup');
      if (e instanceof LifeboatError) throw e;
      throw new LifeboatError('STORAGE_ERROR', `Could not store ${key}: ${(e as Error).message}.`, { cause: e });
    } finally {
      this.incomplete.delete(pending.id);
    }
  }

  putSmall(key: string, data: string, opts: SmallWriteOptions): Promise<void> {
    if (opts.mode === 'create' && this.objects.has(key)) return Promise.reject(this.exists(key));
    this.objects.set(key, { data: Buffer.from(data, 'utf8'), lastModified: this.now() });
    return Promise.resolve();
  }

  getSmall(key: string): Promise<string | null> {
    return Promise.resolve(this.objects.get(key)?.data.toString('utf8') ?? null);
  }

  head(key: string): Promise<StoredObject | null> {
    const o = this.objects.get(key);
    return Promise.resolve(o ? { key, size: o.data.length, lastModified: o.lastModified } : null);
  }

  download(key: string, opts: ReadRange & { signal?: AbortSignal | undefined } = {}): Promise<Readable> {
    const o = this.objects.get(key);
    if (!o) return Promise.reject(new LifeboatError('NOT_FOUND', `There is no backup ${key} in ${this.display}.`, { hint: { kind: 'list-backups' } }));
    const start = Math.min(opts.offset ?? 0, o.data.length);
    const end = opts.length === undefined ? o.data.length : Math.min(o.data.length, start + opts.length);
    return Promise.resolve(Readable.from([o.data.subarray(start, end)].filter((b) => b.length > 0), { objectMode: false }));
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) {
      const o = this.objects.get(key);
      if (o) yield { key, size: o.data.length, lastModified: o.lastModified };
    }
    await Promise.resolve();
  }

  delete(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.objects.delete(k);
    return Promise.resolve();
  }

  listIncompleteUploads(prefix: string): Promise<IncompleteUploadListing> {
    const uploads = [...this.incomplete.values()].filter((u) => u.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
    return Promise.resolve({ supported: true, uploads, note: null });
  }

  abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    this.incomplete.delete(upload.id);
    return Promise.resolve();
  }
}
