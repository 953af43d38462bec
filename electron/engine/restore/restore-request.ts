import type { QualifiedName } from './toc-selection.js';
import type { PgConnection } from '../pg/connection.js';
import type { RestorePlan } from '../../../shared/restore-plan.js';
import type { ProgressListener } from '../jobs/progress-reporter.js';
import type { BackupChoice } from './backup-source.js';
import type { BackupStreamTransform } from './backup-stream.js';
import type { BackupRead } from './ranged-copy.js';

/**
 * auto: a new database when the target names one that does not exist, an existing one only when
 * it is empty. create: must not exist. clean: replace an existing database — everything in it is
 * dropped and the whole backup restored, in one transaction (needs `confirmed`). temp: a new lifeboat_<db>_<timestamp> database, recorded in the local registry.
 */
export type RestoreMode = 'auto' | 'create' | 'clean' | 'temp';

export interface RestoreRequest extends BackupChoice {
  /** A dump file on disk to restore instead of a backup in storage (`restore --file`). */
  file?: string | undefined;
  /** libpq URL of the target: the database to restore into, or (temp) any database on the server; parsed when it goes through SSH. */
  target: string | PgConnection;
  mode?: RestoreMode;
  /** The explicit confirmation --clean needs (--yes). */
  confirmed?: boolean;
  /** Only these tables (name or schema.name); custom-format archives only. */
  tables?: readonly string[] | undefined;
  /** Only these schemas; custom-format archives only. */
  schemas?: readonly string[] | undefined;
  /** Parallel pg_restore jobs (custom format, new databases; an indexed backup is read by ranged requests into N pg_restore workers). */
  jobs?: number | undefined;
  /**
   * Seconds a restore over an existing database waits for locks other sessions hold (default 10;
   * 0: no limit). When it fires, the error names those sessions.
   */
  lockTimeoutSeconds?: number | undefined;
  /** Allow `postgres` and template databases as the target (refused otherwise). */
  allowSystemDatabase?: boolean | undefined;
  /** Skip ownership / privilege statements (default true: production snapshots into dev). */
  noOwner?: boolean | undefined;
  noAcl?: boolean | undefined;
  /**
   * Create the roles the backup refers to that the target lacks, from the globals recorded with
   * it, before restoring (never altering an existing role). Implies keeping owners and privileges
   * unless noOwner / noAcl say otherwise.
   */
  withGlobals?: boolean | undefined;
  /**
   * Put every object in the target database's default tablespace (pg_restore --no-tablespaces).
   * Default: only for temporary databases of extracts and verifications; a restore keeps the
   * tablespaces, stops when the target lacks one, or creates it with `withGlobals`.
   */
  noTablespaces?: boolean | undefined;
  /** Steps for the stored bytes before restoring, e.g. decryption of `.enc` backups. */
  transforms?: readonly BackupStreamTransform[] | undefined;
  /** Rewrites pg_restore's table of contents before restoring (extract restores one table's data). */
  tocFilter?: ((toc: string) => string) | undefined;
  /**
   * Extract from a plain SQL backup: only these tables' rows (and the definitions), read through
   * the backup's index when it has a usable one; without one the backup is restored whole.
   */
  plainTables?: readonly QualifiedName[] | undefined;
  purpose?: 'restore' | 'extract' | 'verify';
  pgBinDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  jobId?: string;
  /** For tests: the clock naming temporary databases. */
  now?: () => Date;
}

export interface RestoreResult {
  jobId: string;
  key: string;
  /** The database restored into. */
  database: string;
  /** Its URL, without password. */
  url: string | null;
  /** How the target was treated. */
  target: 'new' | 'existing' | 'temporary';
  format: 'custom' | 'plain';
  tool: { name: 'pg_restore' | 'psql'; version: string; path: string };
  /** Whether the stored bytes were checked against a manifest's SHA-256. */
  checkedSha256: boolean;
  sizeBytes: number;
  durationMs: number;
  /** The plan that was carried out. */
  plan: RestorePlan;
  /** How much of the stored object was downloaded, and how: through the archive index or whole. */
  read: BackupRead;
}
