// Rows from a temporary database Lifeboat restored for partial recovery: read-only, with the
// user's filter as the part after WHERE in a prepared statement (so no second statement can ride
// along), every value in PostgreSQL's own text form.
import { EXTRACT_COLUMNS_SQL, rawTextTypes } from '../engine/extract/raw-rows.js';
import type pg from 'pg';
import { quoteIdent, type ExtractColumn, type TextRow } from '../../shared/row-format.js';
import { LifeboatError } from '../engine/errors.js';
import type { PgConnection } from '../engine/pg/connection.js';
import { connectClient } from '../engine/pg/server-info.js';
import { onDatabase } from '../engine/restore/target-database.js';
import { TempRegistry } from '../engine/restore/temp-registry.js';
import { parseQualifiedName, type QualifiedName } from '../engine/restore/toc-selection.js';

export interface TempRows {
  table: QualifiedName;
  columns: ExtractColumn[];
  rows: TextRow[];
  overrideIdentity: boolean;
  truncated: boolean;
}

/** Only databases Lifeboat's registry says it made on this server may be read here. */
export async function assertLifeboatTemp(conn: PgConnection, database: string, env: NodeJS.ProcessEnv): Promise<void> {
  const registry = new TempRegistry(env);
  if (!registry.find(await registry.list(), database, conn.display)) {
    throw new LifeboatError('BAD_INPUT', `"${database}" is not a temporary database Lifeboat made on ${conn.display}; restore the tables again.`);
  }
}

export async function readTempRows(conn: PgConnection, database: string, tableText: string, where: string | undefined, limit: number | null, env: NodeJS.ProcessEnv): Promise<TempRows> {
  await assertLifeboatTemp(conn, database, env);
  const table = parseQualifiedName(tableText);
  const qualified = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const client = await connectClient(onDatabase(conn, database), conn.url ? undefined : database);
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL statement_timeout = '120s'`);
    const found = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [qualified]);
    if (!found.rows[0]?.t) throw new LifeboatError('NOT_FOUND', `There is no table ${table.schema}.${table.name} in the temporary database "${database}"; choose one of the tables you restored.`);
    const cols = await client.query<{ name: string; type: string; identity: string }>(EXTRACT_COLUMNS_SQL, [qualified]);
    const columns = cols.rows.map((c) => ({ name: c.name, type: c.type }));
    const select = `SELECT ${columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${qualified}${where?.trim() ? ` WHERE (${where})` : ''}${limit !== null ? ` LIMIT ${limit + 1}` : ''}`;
    let result: pg.QueryResult<unknown[]>;
    try {
      result = await client.query<unknown[]>({ text: select, rowMode: 'array', types: rawTextTypes, name: 'lifeboat_app_extract' });
    } catch (e) {
      throw new LifeboatError('BAD_INPUT', `The filter does not work on ${table.schema}.${table.name}: ${(e as Error).message}. Write only the part after WHERE, e.g. customer_id = 42.`);
    }
    await client.query('ROLLBACK');
    const all = result.rows.map((r) => r.map((v) => (v === null ? null : String(v as string))));
    const truncated = limit !== null && all.length > limit;
    return { table, columns, rows: truncated ? all.slice(0, limit ?? undefined) : all, overrideIdentity: cols.rows.some((c) => c.identity === 'a'), truncated };
  } finally {
    await client.end().catch(() => undefined);
  }
}
