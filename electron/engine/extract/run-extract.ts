import { type ExtractColumn, type TextRow } from '../../../shared/row-format.js';
import { LifeboatError } from '../errors.js';
import { asPgConnection, parsePgConnection, urlBeyondTunnel, type PgConnection } from '../pg/connection.js';
import { withTunnel } from '../ssh/with-tunnel.js';
import { describePgError } from '../pg/pg-errors.js';
import type { BackupChoice } from '../restore/backup-source.js';
import type { BackupStreamTransform } from '../restore/backup-stream.js';
import type { ProgressListener } from '../jobs/progress-reporter.js';
import type { BackupRead } from '../restore/ranged-copy.js';
import type { RestoreResult } from '../restore/restore-request.js';
import { runRestore } from '../restore/run-restore.js';
import { connectMaintenance, dropDatabase } from '../restore/target-database.js';
import { TempRegistry } from '../restore/temp-registry.js';
import { extractTocEntries, missingTable, parseQualifiedName, type QualifiedName } from '../restore/toc-selection.js';
import { copyRowsInto, type IntoResult } from './copy-into.js';
import { readExtractRows } from './read-rows.js';

export interface ExtractRestoreRequest extends BackupChoice {
  /** libpq URL of the server where the temporary database is made (never the production database itself); parsed when it goes through SSH. */
  server: string | PgConnection;
  /** The tables whose rows are wanted (schema.name, quoted where needed; a bare name means public). */
  tables: readonly string[];
  transforms?: readonly BackupStreamTransform[] | undefined;
  pgBinDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  jobId?: string;
}

export interface ExtractRequest extends Omit<ExtractRestoreRequest, 'tables' | 'jobId'> {
  /** schema.name (a bare name means public). */
  table: string;
  /** The user's filter, run as `WHERE (…)` in a read-only transaction in the temporary database. */
  where?: string | undefined;
  /** Copy the rows straight into the same table in this database (libpq URL), in one transaction. */
  into?: string | undefined;
  keep?: boolean | undefined;
}

export interface ExtractResult {
  key: string;
  table: QualifiedName;
  columns: ExtractColumn[];
  rows: TextRow[];
  /** An identity column is GENERATED ALWAYS: inserts need OVERRIDING SYSTEM VALUE. */
  overrideIdentity: boolean;
  tempDatabase: string;
  /** The temporary database's URL when it was kept. */
  keptUrl: string | null;
  into: IntoResult | null;
  /** How much of the backup was downloaded, and whether through its archive index. */
  read: BackupRead;
}

function parseTables(texts: readonly string[]): QualifiedName[] {
  const tables = texts.map(parseQualifiedName);
  if (tables.length === 0 || tables.some((t) => t.name === '')) throw new LifeboatError('BAD_INPUT', 'No table was named.', { hint: { kind: 'choose-table' } });
  return tables;
}

/**
 * The first half of partial recovery, shared by the CLI's extract and the app's "Restore into a
 * temporary database": a new temporary database with every definition of the backup (types,
 * functions, sequences of serial keys, wherever they live) but only the wanted tables' rows.
 * Plain SQL backups have no table of contents: an indexed one gives its definitions and the tables'
 * COPY blocks (restore/plain-ranged.ts); any other is restored whole.
 */
export async function restoreTablesForExtract(req: ExtractRestoreRequest): Promise<RestoreResult> {
  const env = req.env ?? process.env;
  const tables = parseTables(req.tables);
  const common = { to: req.to, key: req.key, latest: req.latest, dbName: req.dbName, target: req.server, mode: 'temp', purpose: 'extract', transforms: req.transforms, pgBinDir: req.pgBinDir, env, signal: req.signal, onProgress: req.onProgress, ...(req.jobId ? { jobId: req.jobId } : {}) } as const;
  return runRestore({
    ...common,
    tocFilter: (toc) => {
      const missing = missingTable(toc, tables);
      if (missing) throw new LifeboatError('NOT_FOUND', `There is no table ${missing.schema}.${missing.name} in the backup.`, { hint: { kind: 'choose-table' } });
      return extractTocEntries(toc, tables) ?? '';
    },
  }).catch(async (e: unknown) => {
    // Plain SQL: through its index when it has one (definitions and these tables' rows), else whole.
    if (e instanceof LifeboatError && e.code === 'BAD_INPUT' && /plain SQL/.test(e.message)) return runRestore({ ...common, plainTables: tables });
    throw e;
  });
}

/**
 * Partial recovery in one go (the CLI): restores the table's rows into a temporary database,
 * selects the wanted rows there read-only, and returns them — or copies them into the same table
 * of another database. The temporary database is dropped unless `keep`.
 */
export async function runExtract(req: ExtractRequest): Promise<ExtractResult> {
  const env = req.env ?? process.env;
  const [table] = parseTables([req.table]) as [QualifiedName];
  const server = asPgConnection(req.server, env);
  if (server.ssh) {
    const r = await withTunnel(server, req.signal, env, (direct) => runExtract({ ...req, server: direct }));
    return { ...r, keptUrl: r.keptUrl ? urlBeyondTunnel(server, r.tempDatabase) : null };
  }
  const conn = server;
  const intoConn = req.into ? parsePgConnection(req.into, env) : null;
  const restored = await restoreTablesForExtract({ ...req, tables: [req.table] });
  const temp = restored.database;
  let keep = req.keep ?? false;
  try {
    const { columns, rows, overrideIdentity } = await readExtractRows(conn, temp, table, req.where).catch((e: unknown) => {
      // A plain SQL backup restored whole may still lack the table.
      if (e instanceof LifeboatError && e.code === 'NOT_FOUND') throw new LifeboatError('NOT_FOUND', `There is no table ${table.schema}.${table.name} in backup ${restored.key}.`, { hint: { kind: 'choose-table' } });
      throw e;
    });
    const into = intoConn ? await copyRowsInto(intoConn, table, columns, rows, overrideIdentity) : null;
    return { key: restored.key, table, columns, rows, overrideIdentity, tempDatabase: temp, keptUrl: keep ? restored.url : null, into, read: restored.read };
  } catch (e) {
    keep = false;
    throw describePgError(e, conn);
  } finally {
    if (!keep) await dropTemp(conn, temp, env);
  }
}

async function dropTemp(conn: PgConnection, name: string, env: NodeJS.ProcessEnv): Promise<void> {
  const client = await connectMaintenance(conn);
  try {
    await dropDatabase(client, name);
    await new TempRegistry(env).remove(name, conn.display);
  } finally {
    await client.end().catch(() => undefined);
  }
}
