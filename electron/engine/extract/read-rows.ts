// The one way rows are read for partial recovery, by the CLI's extract and by the app's preview,
// export and copy alike: read-only, with the user's filter as the part after WHERE in a prepared
// statement (so no second statement can ride along), every value in PostgreSQL's own text form.
import type pg from 'pg';
import { quoteIdent, type ExtractColumn, type TextRow } from '../../../shared/row-format.js';
import { LifeboatError } from '../errors.js';
import type { PgConnection } from '../pg/connection.js';
import { connectClient } from '../pg/server-info.js';
import { onDatabase } from '../restore/target-database.js';
import { TempRegistry } from '../restore/temp-registry.js';
import type { QualifiedName } from '../restore/toc-selection.js';
import { EXTRACT_COLUMNS_SQL, rawTextTypes } from './raw-rows.js';

export interface ExtractRows {
  columns: ExtractColumn[];
  rows: TextRow[];
  /** An identity column is GENERATED ALWAYS: inserts need OVERRIDING SYSTEM VALUE. */
  overrideIdentity: boolean;
  /** More rows matched than the limit asked for. */
  truncated: boolean;
}

export interface ReadRowsOptions {
  /** At most this many rows (a preview); null or absent: every matching row. */
  limit?: number | null;
  /** Stops a runaway filter (the app's screens wait for the answer). */
  statementTimeoutSeconds?: number;
}

export async function readExtractRows(conn: PgConnection, database: string, table: QualifiedName, where: string | undefined, opts: ReadRowsOptions = {}): Promise<ExtractRows> {
  const limit = opts.limit ?? null;
  const qualified = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const client = await connectClient(onDatabase(conn, database), conn.url ? undefined : database);
  try {
    // Read only, and with settings that make the text forms exact and stable.
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'; SET LOCAL IntervalStyle = 'postgres'`);
    if (opts.statementTimeoutSeconds) await client.query(`SET LOCAL statement_timeout = '${Math.floor(opts.statementTimeoutSeconds)}s'`);
    const found = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [qualified]);
    if (!found.rows[0]?.t) throw new LifeboatError('NOT_FOUND', `There is no table ${table.schema}.${table.name} in the temporary database "${database}".`, { hint: { kind: 'choose-table' } });
    const cols = await client.query<{ name: string; type: string; identity: string }>(EXTRACT_COLUMNS_SQL, [qualified]);
    const columns = cols.rows.map((c) => ({ name: c.name, type: c.type }));
    const filter = where?.trim() ? ` WHERE (${where})` : '';
    const select = `SELECT ${columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${qualified}${filter}${limit !== null ? ` LIMIT ${limit + 1}` : ''}`;
    let result: pg.QueryResult<unknown[]>;
    try {
      // A named (prepared) statement: the extended protocol refuses a second statement hidden in the filter.
      result = await client.query<unknown[]>({ text: select, rowMode: 'array', types: rawTextTypes, name: 'lifeboat_extract' });
    } catch (e) {
      const err = e as { message?: string };
      throw new LifeboatError('BAD_INPUT', `The filter does not work on ${table.schema}.${table.name}: ${err.message ?? String(e)}.`, { hint: { kind: 'check-filter' } });
    }
    await client.query('ROLLBACK');
    const all = result.rows.map((r) => r.map((v) => (v === null ? null : String(v as string))));
    const truncated = limit !== null && all.length > limit;
    return { columns, rows: truncated ? all.slice(0, limit) : all, overrideIdentity: cols.rows.some((c) => c.identity === 'a'), truncated };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Only databases Lifeboat's registry says it made on this server may be read by a later call (the app's). */
export async function assertLifeboatTemp(conn: PgConnection, database: string, env: NodeJS.ProcessEnv): Promise<void> {
  const registry = new TempRegistry(env);
  if (!registry.find(await registry.list(), database, conn.display)) {
    throw new LifeboatError('BAD_INPUT', `"${database}" is not a temporary database Lifeboat made on ${conn.display}; restore the tables again.`);
  }
}
