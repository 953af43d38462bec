import { randomBytes } from 'node:crypto';
import { formatTimestamp } from '../../../shared/backup-key.js';
import { LifeboatError, throwIfAborted } from '../errors.js';
import { checkGlobalsMode } from '../globals/dump-globals.js';
import { parsePgConnection } from '../pg/connection.js';
import { describePgError } from '../pg/pg-errors.js';
import { connectMaintenance, onDatabase } from '../restore/target-database.js';
import type { BackupRequest, BackupResult } from './backup-request.js';
import { runBackup } from './run-backup.js';

export interface ServerBackupResult {
  /** The set's id, in every member's manifest (`lifeboat restore --group ID`). */
  groupId: string;
  databases: string[];
  results: BackupResult[];
  /** Databases whose backup failed (the others are kept, each complete on its own). */
  failures: { database: string; code: string; message: string }[];
}

/**
 * `lifeboat backup --all-databases`: one backup per database of the server (templates and
 * databases that refuse connections excluded), one after the other, each with every guarantee of
 * a single backup, all carrying one set id; the server's globals are recorded once, with the first
 * backup that succeeds.
 */
export async function runServerBackup(req: BackupRequest, backupOne: (r: BackupRequest) => Promise<BackupResult> = runBackup): Promise<ServerBackupResult> {
  const env = req.env ?? process.env;
  const conn = typeof req.db === 'object' ? req.db : parsePgConnection(req.db, env);
  if (!conn.url) throw new LifeboatError('BAD_INPUT', '--all-databases needs the server as a URL (--db postgresql://user@host:5432/postgres, or a profile); the PG* variables name only one database.');
  const globalsMode = req.globals ?? 'no-passwords';
  checkGlobalsMode(globalsMode, Boolean(req.encryption));
  const client = await connectMaintenance(conn).catch((e: unknown) => {
    throw describePgError(e, conn);
  });
  let databases: string[];
  try {
    databases = (await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname')).rows.map((r) => r.datname);
  } finally {
    await client.end().catch(() => undefined);
  }
  const at = (req.now ?? (() => new Date()))();
  const groupId = `set_${formatTimestamp(at)}_${randomBytes(3).toString('hex')}`;
  const results: BackupResult[] = [];
  const failures: ServerBackupResult['failures'] = [];
  let globalsRecorded = globalsMode === 'skip';
  for (const database of databases) {
    throwIfAborted(req.signal, 'The backup');
    try {
      const r = await backupOne({ ...req, db: onDatabase(conn, database), globals: globalsRecorded ? 'skip' : globalsMode, group: { id: groupId, size: databases.length }, now: () => at });
      results.push(r);
      // Recorded, or tried and warned about: either way once per set.
      globalsRecorded = true;
    } catch (e) {
      if (req.signal?.aborted) throw e;
      failures.push({ database, code: e instanceof LifeboatError ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { groupId, databases, results, failures };
}
