import { keySafeDatabaseName, type BackupFormat } from './backup-key.js';

/** One backup as listed from storage: what the key says, plus what its manifest adds. */
export interface BackupEntry {
  key: string;
  dbName: string;
  /** From the key's timestamp (UTC), which is when the backup started. */
  createdAt: string;
  format: BackupFormat;
  encrypted: boolean;
  sizeBytes: number;
  hasManifest: boolean;
  label: string | null;
  pinned: boolean;
  sha256: string | null;
  /**
   * Set when a manifest is there but Lifeboat does not understand it (damaged, unreadable, or of a
   * newer format): then `pinned` is unknown, and retention keeps the backup.
   */
  manifestProblem?: string | null;
  /** The set it belongs to (`lifeboat backup --all-databases`), when it is one of a set. */
  group?: { id: string; size: number };
  /**
   * How many places held this backup when it was made: 1 (this storage) plus each completed copy,
   * from its copies record (<key>.copies.json); 1 when it has none.
   */
  copies?: number;
  /** Copy destinations that failed when the backup was made (it is "partly copied"). */
  copiesFailed?: string[];
  /** The last verification stored beside the backup (<key>.verify.json), when there is one. */
  verification?: { outcome: 'passed' | 'failed'; verifiedAt: string; depth: 'quick' | 'deep'; problem: string | null; drill?: { recoveryMs: number; overTarget: boolean } | null } | null;
}

/**
 * A backup that started and has not finished (still running, or killed): what storage shows of it.
 * `startedAt` is by the storage's clock.
 */
export interface InterruptedBackup {
  key: string;
  startedAt: string;
  evidence: ('incomplete upload' | 'claim' | 'object without manifest')[];
}

export function compareNewestFirst(a: BackupEntry, b: BackupEntry): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
}

/**
 * Whether a backup is one of this database's, when several databases share a storage folder: by
 * the manifest's exact name, or (for backups other tools wrote, without a manifest) by the name in
 * the key. The calendar, Log & report and `lifeboat report` all count with this.
 */
export function isBackupOf(b: Pick<BackupEntry, 'dbName' | 'hasManifest'>, database: string): boolean {
  return b.dbName === database || (!b.hasManifest && b.dbName === keySafeDatabaseName(database));
}
