// What is inside a backup, as `lifeboat show`/`peek`/`diff` and the app's Browse and Compare
// screens present it. Computed by the engine from a backup's archive index (electron/engine/archive/)
// without restoring anything; pure types here so the CLI, the app service and the renderer share them.

/** One table's data in a backup, from the archive index. */
export interface BackupTable {
  schema: string;
  name: string;
  /** Exact rows, counted from the COPY stream while the backup ran (or when it was indexed). */
  rows: number | null;
  /** Bytes of the table's data block as stored (compressed, and encrypted when the backup is). */
  storedBytes: number | null;
  /** Bytes of the table's COPY text once decompressed. */
  rawBytes: number | null;
  /**
   * Order-independent fingerprint of the table's rows (hex), equal for two backups whose table holds
   * the same rows in any physical order. Null when unknown.
   */
  fingerprint: string | null;
}

/** A schema object that is not table data: a view, function, sequence, index, type… */
export interface BackupObject {
  /** pg_dump's TOC description, e.g. "VIEW", "FUNCTION", "SEQUENCE", "INDEX". */
  kind: string;
  schema: string | null;
  name: string;
}

export interface BackupContents {
  key: string;
  database: string | null;
  format: 'custom' | 'plain';
  /** Where the figures come from: a stored index sidecar, or none (then tables carry what the manifest says). */
  indexed: boolean;
  schemas: string[];
  tables: BackupTable[];
  objects: BackupObject[];
  /** Set when the backup was read from a copy destination because the storage could not give it: which, and why. */
  fromCopy?: string;
}

/** The first rows of one table, values exactly as PostgreSQL's text form (null is SQL NULL). */
export interface TablePeek {
  key: string;
  schema: string;
  table: string;
  columns: string[];
  rows: (string | null)[][];
  /** True when the table holds more rows than were returned. */
  truncated: boolean;
  /** Set when the backup was read from a copy destination because the storage could not give it: which, and why. */
  fromCopy?: string;
}

export type TableChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface TableDiff {
  schema: string;
  name: string;
  change: TableChange;
  rowsBefore: number | null;
  rowsAfter: number | null;
}

export interface DefinitionDiff {
  kind: string;
  schema: string | null;
  name: string;
  change: 'added' | 'removed' | 'changed';
}

export interface BackupDiff {
  before: string;
  /** A backup key, or "live" for the live database. */
  after: string;
  tables: TableDiff[];
  definitions: DefinitionDiff[];
  /** Set when a backup side was read from a copy destination because the storage could not give it: which, and why (a sentence per side). */
  fromCopy?: string;
}

export interface RowChange {
  change: 'added' | 'removed' | 'changed';
  /** Primary key values, in key column order, as text. */
  key: (string | null)[];
  /** For changed rows: the columns whose values differ. */
  changedColumns?: string[];
  before?: (string | null)[];
  after?: (string | null)[];
}

export interface TableRowDiff {
  schema: string;
  table: string;
  columns: string[];
  keyColumns: string[];
  changes: RowChange[];
  /** True when more changes exist than were returned. */
  truncated: boolean;
  /** How many rows were added, removed and changed in all (complete even when `changes` is truncated). */
  counts?: { added: number; removed: number; changed: number };
  /** Set when a backup side was read from a copy destination because the storage could not give it: which, and why (a sentence per side). */
  fromCopy?: string;
}
