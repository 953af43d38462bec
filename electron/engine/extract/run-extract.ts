import { EXTRACT_COLUMNS_SQL, rawTextTypes } from './raw-rows.js';
import type pg from 'pg';
import { quoteIdent, type ExtractColumn, type TextRow } from '../../../shared/row-format.js';
import { LifeboatError } from '../errors.js';
import { parsePgConnection, type PgConnection } from '../pg/connection.js';
import { describePgError } from '../pg/pg-errors.js';
import { connectClient } from '../pg/server-info.js';
import type { BackupChoice } from '../restore/backup-source.js';
import type { BackupStreamTransform } from '../restore/backup-stream.js';
import type { ProgressListener } from '../jobs/progress-reporter.js';
import { runRestore } from '../restore/run-restore.js';
import { connectMaintenance, dropDatabase, onDatabase } from '../restore/target-database.js';
import { TempRegistry } from '../restore/temp-registry.js';
import { extractTocEntries, parseQualifiedName, type QualifiedName } from '../restore/toc-selection.js';
import { copyRowsInto, type IntoResult } from './copy-into.js';

export interface ExtractRequest extends BackupChoice {
  /** libpq URL of the server where the temporary database is made (never the production database itself). */
  server: string;
  /** schema.name (a bare name means public). */
  table: string;
  /** The user's filter, run as `WHERE (…)` in a read-only transaction in the temporary database. */
  where?: string | undefined;
  /** Copy the rows straight into the same table in this database (libpq URL), in one transaction. */
  into?: string | undefined;
  keep?: boolean | undefined;
  transforms?: readonly BackupStreamTransform[] | undefined;
  pgBinDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
}

export interface ExtractResult {
  key: string;
  table: QualifiedName;
  columns: ExtractColumn[];
  rows: TextRow[];
  /** An identity column is GENERATED ALWAYS: inserts need OVERRIDING SYSTEM VALUE. */
  overrideIdentity: boolean;
  tempDatabase: string;
  /** The temporary database's URL when it was kept (--keep). */
  keptUrl: string | null;
  into: IntoResult | null;
}

async function readRows(conn: PgConnection, database: string, table: QualifiedName, where: string | undefined): Promise<{ columns: ExtractColumn[]; rows: TextRow[]; overrideIdentity: boolean }> {
  const client = await connectClient(onDatabase(conn, database), conn.url ? undefined : database);
  const qualified = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  try {
    // Read only, and with settings that make the text forms exact and stable.
    await client.query(`BEGIN TRANSACTION READ ONLY`);
    await client.query(`SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'; SET LOCAL IntervalStyle = 'postgres'`);
    const cols = await client.query<{ name: string; type: string; identity: string }>(EXTRACT_COLUMNS_SQL, [qualified]);
    const columns = cols.rows.map((c) => ({ name: c.name, type: c.type }));
    const overrideIdentity = cols.rows.some((c) => c.identity === 'a');
    const select = `SELECT ${columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${qualified}${where ? ` WHERE (${where})` : ''}`;
    let result: pg.QueryResult<unknown[]>;
    try {
      // A named (prepared) statement: the extended protocol refuses a second statement hidden in --where.
      result = await client.query<unknown[]>({ text: select, rowMode: 'array', types: rawTextTypes, name: 'lifeboat_extract' });
    } catch (e) {
      const err = e as { message?: string };
      throw new LifeboatError('BAD_INPUT', `The filter does not work on ${table.schema}.${table.name}: ${err.message ?? String(e)}.`, { hint: { kind: 'check-filter' } });
    }
    await client.query('ROLLBACK');
    return { columns, rows: result.rows.map((r) => r.map((v) => (v === null ? null : String(v as string)))), overrideIdentity };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Partial recovery: restores only the named table's rows (with every definition, which is cheap)
 * into a temporary database, selects the wanted rows there read-only, and returns them — or copies
 * them into the same table of another database. The temporary database is dropped unless `keep`.
 */
export async function runExtract(req: ExtractRequest): Promise<ExtractResult> {
  const env = req.env ?? process.env;
  const table = parseQualifiedName(req.table);
  if (table.name === '') throw new LifeboatError('BAD_INPUT', 'No table was named.', { hint: { kind: 'choose-table' } });
  const conn = parsePgConnection(req.server, env);
  const intoConn = req.into ? parsePgConnection(req.into, env) : null;
  const restored = await runRestore({
    to: req.to,
    key: req.key,
    latest: req.latest,
    dbName: req.dbName,
    target: req.server,
    mode: 'temp',
    purpose: 'extract',
    tocFilter: (toc) => {
      const list = extractTocEntries(toc, table);
      if (list === null) throw new LifeboatError('NOT_FOUND', `There is no table ${table.schema}.${table.name} in the backup.`, { hint: { kind: 'choose-table' } });
      return list;
    },
    transforms: req.transforms,
    pgBinDir: req.pgBinDir,
    env,
    signal: req.signal,
    onProgress: req.onProgress,
  }).catch(async (e: unknown) => {
    // Plain SQL backups have no table of contents: restore them whole instead.
    if (e instanceof LifeboatError && e.code === 'BAD_INPUT' && /plain SQL/.test(e.message)) {
      return runRestore({ to: req.to, key: req.key, latest: req.latest, dbName: req.dbName, target: req.server, mode: 'temp', purpose: 'extract', transforms: req.transforms, pgBinDir: req.pgBinDir, env, signal: req.signal, onProgress: req.onProgress });
    }
    throw e;
  });
  const temp = restored.database;
  let keep = req.keep ?? false;
  try {
    const exists = await connectClient(onDatabase(conn, temp), conn.url ? undefined : temp);
    try {
      const r = await exists.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`${quoteIdent(table.schema)}.${quoteIdent(table.name)}`]);
      if (!r.rows[0]?.t) throw new LifeboatError('NOT_FOUND', `There is no table ${table.schema}.${table.name} in backup ${restored.key}.`, { hint: { kind: 'choose-table' } });
    } finally {
      await exists.end().catch(() => undefined);
    }
    const { columns, rows, overrideIdentity } = await readRows(conn, temp, table, req.where);
    const into = intoConn ? await copyRowsInto(intoConn, table, columns, rows, overrideIdentity) : null;
    return { key: restored.key, table, columns, rows, overrideIdentity, tempDatabase: temp, keptUrl: keep ? restored.url : null, into };
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
