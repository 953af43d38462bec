import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** An upload that was started and never completed: a multipart upload on S3, a partial temp file in a folder. */
export interface IncompleteUpload {
  /** The key it was meant for. */
  key: string;
  /** What abortIncompleteUpload needs (the multipart upload id, the temp file's path). */
  id: string;
  /** When it started, by the storage's own clock (S3's `Initiated`, the temp file's mtime). */
  startedAt: string;
}

export interface IncompleteUploadListing {
  /** False when the service cannot list them (some S3-compatible servers answer NotImplemented); `uploads` is then empty. */
  supported: boolean;
  uploads: IncompleteUpload[];
  note: string | null;
}

/** What a sweep of incomplete uploads found and removed (see cleanupIncompleteUploads). */
export interface IncompleteUploads {
  supported: boolean;
  found: IncompleteUpload[];
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
 * How a small write treats an existing key. `create` is the default for everything Lifeboat makes
 * (claims, manifests): it never replaces anything, and two writers racing for one key get exactly
 * one success. `replace` is only for deliberate edits of an object Lifeboat already owns (pinning
 * rewrites a manifest; a new verification supersedes the previous verify record).
 */
export type WriteMode = 'create' | 'replace';

export interface ReadRange {
  /** First byte to read (default 0). Reading at or past the end gives an empty stream. */
  offset?: number | undefined;
  /** How many bytes at most (default: to the end). */
  length?: number | undefined;
}

/**
 * The storage contract: what the engine needs from a place that keeps backups. Every backend (S3,
 * a local folder, memory for unit tests) implements it and passes one conformance suite
 * (test/support/storage-conformance.ts). All share the key layout, so a folder can be synced to a
 * bucket and back.
 *
 * Errors are always LifeboatErrors with one of these codes, each with a sentence saying what to do:
 * NOT_FOUND, KEY_EXISTS (a create-only write lost), STORAGE_ACCESS_DENIED, STORAGE_QUOTA_EXCEEDED
 * (quota, or a full disk), STORAGE_CLASS_REFUSED, STORAGE_THROTTLED, STORAGE_SERVER_ERROR,
 * STORAGE_UNREACHABLE, STORAGE_STALLED (no progress within the stall timeout), STORAGE_BUCKET_MISSING,
 * STORAGE_SSE_UNCONFIRMED, CANCELLED, STORAGE_ERROR (anything else).
 */
export interface SmallWriteOptions {
  contentType: string;
  mode: WriteMode;
  signal?: AbortSignal | undefined;
}

export interface BackupStorage {
  /** A URL for messages and manifests, never holding a secret. */
  readonly display: string;
  /** Fails with a clear error when the bucket or folder cannot be used for writing. */
  checkWritable(): Promise<void>;
  /** Fails with a clear error when the bucket or folder cannot be read. */
  checkReadable(): Promise<void>;
  /**
   * Streams the body to the key. The object becomes visible only when the body ended without
   * error; on any failure or abort nothing remains (no object, no temp file; multipart parts are
   * aborted, or listed by listIncompleteUploads when even the abort failed). Refuses a key that
   * exists when the upload starts. The backend makes the final step create-only where it can (a
   * folder links the temp file; S3 sends If-None-Match, which RGW ignores on multipart uploads), so
   * callers that race for one key must hold its claim first (see backup/claim-key.ts). When the
   * answer to the final request is lost, the backend checks what is at the key and succeeds only if
   * it holds exactly the bytes that were sent.
   */
  upload(key: string, body: Readable, opts: UploadOptions): Promise<void>;
  /** Writes a small object (claims, manifests, verify records) in one request; a cancel aborts it. */
  putSmall(key: string, data: string, opts: SmallWriteOptions): Promise<void>;
  getSmall(key: string): Promise<string | null>;
  head(key: string): Promise<StoredObject | null>;
  /** Reads the object, or a range of it. NOT_FOUND when it does not exist. */
  download(key: string, opts?: ReadRange & { signal?: AbortSignal | undefined }): Promise<Readable>;
  /** Every object under the prefix, in key order, however many (paged underneath). */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** Deletes the keys (absent ones are fine), in batches. */
  delete(keys: readonly string[]): Promise<void>;
  /** Uploads under the prefix that were started and never completed (whoever started them). */
  listIncompleteUploads(prefix: string): Promise<IncompleteUploadListing>;
  /** Removes one incomplete upload; one that is already gone counts as removed. */
  abortIncompleteUpload(upload: IncompleteUpload): Promise<void>;
}
