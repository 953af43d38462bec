// Temporary databases that Lifeboat creates for restores, extracts and deep verification are
// named lifeboat_<db>_<YYYYMMDD_HHMMSS> (UTC, the time they were made), so a DBA can tell them apart.
import { formatTimestamp, keySafeDatabaseName } from './backup-key.js';

/** PostgreSQL truncates identifiers at 63 bytes; keep the timestamp and a possible suffix intact. */
const MAX_IDENTIFIER_BYTES = 63;

export function tempDatabaseName(dbName: string, at: Date, suffix = ''): string {
  const tail = `_${formatTimestamp(at)}${suffix}`;
  let db = keySafeDatabaseName(dbName);
  const budget = MAX_IDENTIFIER_BYTES - Buffer.byteLength(`lifeboat_${tail}`);
  while (Buffer.byteLength(db) > budget) db = db.slice(0, -1);
  return `lifeboat_${db}${tail}`;
}

export const TEMP_DATABASE_PATTERN = /^lifeboat_.+_\d{8}_\d{6}(?:_\d+)?$/u;

/** One temporary database in the local registry. No secrets: the server URL has no password. */
export interface TempDatabaseRecord {
  name: string;
  /** host:port of the server it lives on (how records are matched to --server). */
  server: string;
  /** The server URL without password, for messages and for printing the database's URL. */
  serverUrl: string | null;
  createdAt: string;
  /** The backup it was restored from. */
  key: string;
  purpose: 'restore' | 'extract' | 'verify';
  /**
   * Recorded before CREATE DATABASE: "restoring" until the restore finished (then "ready", or the
   * record goes for a new database). A "restoring" record whose process is gone is an interrupted
   * restore (kill -9, power loss): listed as such and droppable. Absent in older records: ready.
   */
  state?: 'restoring' | 'ready' | undefined;
  /** The process restoring it and its host, to tell a live restore from an interrupted one. */
  pid?: number | undefined;
  host?: string | undefined;
  /** temporary (lifeboat_<db>_<time>) or a new database the user named (only while restoring). */
  kind?: 'temporary' | 'new' | undefined;
}
