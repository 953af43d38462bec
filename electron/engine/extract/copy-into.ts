import type { QualifiedName } from '../restore/toc-selection.js';
import { quoteIdent, type ExtractColumn, type TextRow } from '../../../shared/row-format.js';
import { LifeboatError } from '../errors.js';
import type { PgConnection } from '../pg/connection.js';
import { connectClient } from '../pg/server-info.js';

export interface IntoResult {
  database: string;
  inserted: number;
  /** Rows that conflicted with existing ones (ON CONFLICT DO NOTHING). */
  skipped: number;
}

const MAX_PARAMS = 60000;

/**
 * Copies extracted rows into the same table of the target database in one transaction, with
 * ON CONFLICT DO NOTHING so rows that are already there are counted as skipped, not duplicated.
 * Values travel as their text form in parameters and are read by each column's own input function.
 */
export async function copyRowsInto(conn: PgConnection, table: QualifiedName, columns: readonly ExtractColumn[], rows: readonly TextRow[], overrideIdentity: boolean): Promise<IntoResult> {
  const client = await connectClient(conn);
  const database = client.database ?? '';
  const qualified = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  try {
    const found = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [qualified]);
    if (!found.rows[0]?.t) throw new LifeboatError('NOT_FOUND', `There is no table ${table.schema}.${table.name} in database "${database}" to copy the rows into.`, { hint: { kind: 'create-table-or-export' } });
    await client.query('BEGIN');
    let inserted = 0;
    const perBatch = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns.length)));
    const head = `INSERT INTO ${qualified} (${columns.map((c) => quoteIdent(c.name)).join(', ')})${overrideIdentity ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES `;
    for (let i = 0; i < rows.length; i += perBatch) {
      const batch = rows.slice(i, i + perBatch);
      const params: (string | null)[] = [];
      const tuples = batch.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
      const res = await client.query(`${head}${tuples.join(', ')} ON CONFLICT DO NOTHING`, params);
      inserted += res.rowCount ?? 0;
    }
    await client.query('COMMIT');
    return { database, inserted, skipped: rows.length - inserted };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (e instanceof LifeboatError) throw e;
    const err = e as { message?: string };
    throw new LifeboatError('PG_ERROR', `Copying the rows into ${table.schema}.${table.name} in "${database}" on ${conn.display} failed, and nothing was inserted: ${err.message ?? String(e)}.`, { cause: e });
  } finally {
    await client.end().catch(() => undefined);
  }
}
