import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { LifeboatError } from '../errors.js';
import { describeFsError } from './fs-errors.js';
import type { BackupStorage, IncompleteUploadListing, ReadRange, StoredObject } from './storage.js';

/**
 * One file on disk seen through the storage contract, read-only, so that a restore from a file
 * someone handed over runs through exactly the pipeline a restore from storage runs (download,
 * integrity check, decryption, scratch copy). Its only key is the file's own absolute path; every
 * write is refused, so nothing can ever change the file.
 */
export class SingleFileReader implements BackupStorage {
  readonly display: string;

  constructor(private readonly file: string) {
    this.display = pathToFileURL(file).href;
  }

  private check(key: string): void {
    if (key !== this.file) throw new LifeboatError('NOT_FOUND', `There is no ${key} here: this source is the single file ${this.file}.`);
  }

  private readOnly(): Promise<never> {
    return Promise.reject(new LifeboatError('INTERNAL', `${this.file} is a file given to restore or import; Lifeboat never writes to it.`));
  }

  async checkReadable(): Promise<void> {
    await this.head(this.file);
  }

  checkWritable(): Promise<void> {
    return this.readOnly();
  }

  upload(): Promise<void> {
    return this.readOnly();
  }

  putSmall(): Promise<void> {
    return this.readOnly();
  }

  delete(): Promise<void> {
    return this.readOnly();
  }

  abortIncompleteUpload(): Promise<void> {
    return this.readOnly();
  }

  /** The manifest beside the file is read by the file source itself, not through here. */
  getSmall(): Promise<string | null> {
    return Promise.resolve(null);
  }

  async head(key: string): Promise<StoredObject | null> {
    this.check(key);
    try {
      const s = await stat(this.file);
      return { key, size: s.size, lastModified: s.mtime };
    } catch (e) {
      throw describeFsError(e, `file ${this.file}`, 'read');
    }
  }

  async download(key: string, opts: ReadRange & { signal?: AbortSignal | undefined } = {}): Promise<Readable> {
    await this.head(key);
    const start = opts.offset ?? 0;
    if (opts.length === 0) return Readable.from([]);
    const end = opts.length === undefined ? undefined : start + opts.length - 1;
    return createReadStream(this.file, { start, ...(end === undefined ? {} : { end }), signal: opts.signal });
  }

  async *list(): AsyncIterable<StoredObject> {
    const head = await this.head(this.file);
    if (head) yield head;
  }

  listIncompleteUploads(): Promise<IncompleteUploadListing> {
    return Promise.resolve({ supported: false, uploads: [], note: null });
  }
}
