import type { BackupFormat } from '../../../shared/backup-key.js';
import type { CopyOutcome } from '../../../shared/copies.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import type { CompressMethod } from '../../../shared/compression.js';
import type { MasterKey } from '../crypto/master-key.js';
import type { GlobalsMode } from '../globals/dump-globals.js';
import type { ProgressListener } from '../jobs/progress-reporter.js';
import type { PgConnection } from '../pg/connection.js';
import type { StorageTarget } from '../storage/target.js';

export interface BackupRequest {
  /** libpq URL of the database to back up, or a parsed connection (profiles: password from the keychain); undefined uses the PG* environment variables. */
  db?: string | PgConnection | undefined;
  /** Where to store it: a storage URL, or a parsed target (profiles). Undefined: the default. */
  to?: string | StorageTarget | undefined;
  /** Extra destinations that also get the backup once it is complete in `to` (same keys, checked against the manifest). */
  copyTo?: StorageTarget[] | undefined;
  format?: BackupFormat;
  /** Encrypt client-side with this master key (the stored key gets `.enc`); null or undefined: no encryption. */
  encryption?: MasterKey | null | undefined;
  /**
   * gzip (default: Lifeboat's workers, or pg_dump with 0 workers); lz4 or zstd: pg_dump 16+ compresses
   * on its own thread; none: stored uncompressed (custom format only).
   */
  compressMethod?: CompressMethod | undefined;
  /** The method's level: zlib 0–9 for gzip (default 6, what pg_dump's default means), lz4 1–12, zstd 1–22. */
  compressLevel?: number | undefined;
  /** Threads compressing the stream (default: cores − 1 with 3 cores or more, else one per core); 0 lets pg_dump compress, single-threaded. */
  compressWorkers?: number | undefined;
  label?: string | null;
  pin?: boolean;
  /**
   * The server's globals recorded beside the backup (pg_dumpall --globals-only): without role
   * passwords by default; with them only in encrypted backups (refused otherwise); skip: none.
   */
  globals?: GlobalsMode | undefined;
  /** The set this backup belongs to (`backup --all-databases`), written into its manifest. */
  group?: { id: string; size: number } | undefined;
  /** A folder holding the pg_dump to prefer. */
  pgBinDir?: string | undefined;
  /** exact counts rows in the dump's snapshot; auto does so for databases up to 10 GiB. */
  rowCounts?: 'exact' | 'estimated' | 'auto';
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  env?: NodeJS.ProcessEnv;
  jobId?: string;
  /** For tests: the clock that names the key. */
  now?: () => Date;
}

export interface BackupResult {
  jobId: string;
  key: string;
  storage: string;
  sizeBytes: number;
  sha256: string;
  durationMs: number;
  manifest: BackupManifest;
  /** One outcome per copy destination; any `failed` one makes the backup "partly copied". */
  copies: CopyOutcome[];
  /** Things the user should know although the backup succeeded (e.g. a storage without create-only writes). */
  warnings: string[];
}

export const MAX_LABEL_LENGTH = 200;
