import type { BackupFormat } from '../../../shared/backup-key.js';
import type { CopyOutcome } from '../../../shared/copies.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import type { MasterKey } from '../crypto/master-key.js';
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
  label?: string | null;
  pin?: boolean;
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
