import type pg from 'pg';
import type { TableCount } from '../../../shared/manifest.js';

/**
 * Opens a REPEATABLE READ transaction and exports its snapshot. pg_dump is started with
 * --snapshot, so the row counts Lifeboat records in the manifest describe exactly the data in
 * the dump, even while the application keeps writing.
 */
export interface ExportedSnapshot {
  /** null when the server cannot export snapshots (then pg_dump takes its own). */
  id: string | null;
  countRows(mode: 'exact' | 'estimated', signal?: AbortSignal): Promise<{ mode: 'exact' | 'estimated'; tables: TableCount[] }>;
  release(): Promise<void>;
}

interface TableRow {
  schema: string;
  name: string;
  estimate: string;
}

const LIST_TABLES = `
  SELECT n.nspname AS schema, c.relname AS name, GREATEST(c.reltuples, 0)::bigint::text AS estimate
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'r'
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY 1, 2`;

export async function exportSnapshot(client: pg.Client): Promise<ExportedSnapshot> {
  let id: string | null = null;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const r = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    id = r.rows[0]?.id ?? null;
  } catch {
    // Standbys before 10 and poolers in transaction mode cannot export; counts are then estimates.
    await client.query('ROLLBACK').catch(() => undefined);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }
  let released = false;
  return {
    id,
    async countRows(mode, signal) {
      const tables = await client.query<TableRow>(LIST_TABLES);
      const effective = id === null ? 'estimated' : mode;
      const out: TableCount[] = [];
      for (const t of tables.rows) {
        if (signal?.aborted) break;
        if (effective === 'estimated') {
          out.push({ schema: t.schema, name: t.name, rows: Number(t.estimate) });
          continue;
        }
        const q = `SELECT count(*)::text AS n FROM ${client.escapeIdentifier(t.schema)}.${client.escapeIdentifier(t.name)}`;
        const r = await client.query<{ n: string }>(q);
        out.push({ schema: t.schema, name: t.name, rows: Number(r.rows[0]?.n ?? 0) });
      }
      return { mode: effective, tables: out };
    },
    async release() {
      if (released) return;
      released = true;
      await client.query('ROLLBACK').catch(() => undefined);
    },
  };
}
