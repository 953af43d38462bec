import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** What a sweep of incomplete uploads found (multipart uploads on S3, partial temp files in a folder). */
export interface IncompleteUploads {
  /** False when the service cannot list them (e.g. s3rver); nothing was removed then. */
  supported: boolean;
  found: { key: string; startedAt: string; id: string }[];
  removed: number;
  note: string | null;
}

export interface UploadOptions {
  contentType: string;
  /** Expected size of the whole stream, used to size multipart parts (null when unknown). */
  expectedBytes: number | null;
  signal?: AbortSignal | undefined;
}

/**
 * What the engine needs from a place that keeps backups. Both implementations (S3-compatible and
 * a local folder) share the key layout, so a folder can be synced to a bucket and back.
 */
export interface BackupStorage {
  /** A URL for messages and manifests, never holding a secret. */
  readonly display: string;
  /** Fails with a clear error when the bucket or folder cannot be used for writing. */
  checkWritable(): Promise<void>;
  /** Fails with a clear error when the bucket or folder cannot be read. */
  checkReadable(): Promise<void>;
  /**
   * Streams the body to the key. The object becomes visible only when the body ended without
   * error; on any failure or abort nothing remains (no object, no multipart parts, no temp file).
   * Refuses to overwrite an existing key.
   */
  upload(key: string, body: Readable, opts: UploadOptions): Promise<void>;
  /** Writes a small object (manifests, verify records) in one request; overwrites. */
  putSmall(key: string, data: string, contentType: string): Promise<void>;
  getSmall(key: string): Promise<string | null>;
  head(key: string): Promise<StoredObject | null>;
  download(key: string, opts?: { signal?: AbortSignal | undefined; start?: number }): Promise<Readable>;
  list(prefix: string): AsyncIterable<StoredObject>;
  delete(keys: readonly string[]): Promise<void>;
  /** Finds (and unless dryRun removes) uploads under the prefix started before `olderThan` and never completed. */
  cleanupIncompleteUploads(prefix: string, olderThan: Date, dryRun: boolean): Promise<IncompleteUploads>;
}
