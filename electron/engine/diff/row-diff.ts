// The row-level diff of one table between two sides, by primary key.
//
// Memory bound (README, "lifeboat diff"): one pass over the "before" rows keeps, per row, its key
// (as text) and a 16-byte hash of its values — about 100 bytes per row plus the key's length, so
// roughly 100–150 MB for 1 M rows — never the rows themselves. A pass over the "after" rows looks
// each key up, keeping at most `limit` changes with their values. A last pass over "before" fetches
// the old values of those reported changes only. Each side is streamed, never held.
import { createHash } from 'node:crypto';
import type { RowChange, TableRowDiff } from '../../../shared/backup-contents.js';
import { LifeboatError } from '../errors.js';

export type TextRow = (string | null)[];

/**
 * One side's rows of the table, streamed: `each` hands every row to the callback, in the order read,
 * and resolves when the last one was handed (once per opening; the side is opened again for the last pass).
 */
export interface RowStream {
  columns: string[];
  each: (onRow: (row: TextRow) => void) => Promise<void>;
}
export type OpenRows = () => Promise<RowStream>;

export interface RowDiffRequest {
  schema: string;
  table: string;
  keyColumns: readonly string[];
  before: OpenRows;
  after: OpenRows;
  /** At most this many changes are returned (with their values); the counts are always complete. */
  limit: number;
}

export interface RowDiffResult extends TableRowDiff {
  counts: NonNullable<TableRowDiff['counts']>;
}

function positions(columns: readonly string[], wanted: readonly string[], side: string, table: string): number[] {
  return wanted.map((c) => {
    const i = columns.indexOf(c);
    if (i < 0) throw new LifeboatError('BAD_INPUT', `Column "${c}" of ${table} is missing ${side}; a row-level diff needs the key columns on both sides.`);
    return i;
  });
}

const keyText = (row: TextRow, at: readonly number[]): string => JSON.stringify(at.map((i) => row[i] ?? null));

/** A hash of the compared columns' values; NULL and '' differ (JSON keeps them apart). */
function rowHash(row: TextRow, at: readonly number[]): string {
  return createHash('sha256').update(JSON.stringify(at.map((i) => row[i] ?? null))).digest('base64').slice(0, 22);
}

export async function diffTableRows(req: RowDiffRequest): Promise<RowDiffResult> {
  const name = `${req.schema}.${req.table}`;
  const before = await req.before();
  const after = await req.after();
  // Columns are compared by name: the ones both sides have (added or dropped columns show as definition changes).
  const columns = after.columns.filter((c) => before.columns.includes(c));
  const bKey = positions(before.columns, req.keyColumns, 'before', name);
  const aKey = positions(after.columns, req.keyColumns, 'after', name);
  const bCols = positions(before.columns, columns, 'before', name);
  const aCols = positions(after.columns, columns, 'after', name);

  const seen = new Map<string, string>();
  await before.each((row) => {
    const k = keyText(row, bKey);
    if (seen.has(k)) throw new LifeboatError('BAD_INPUT', `Table ${name} holds two rows with the key ${k} before; the key columns (${req.keyColumns.join(', ')}) do not identify a row.`);
    seen.set(k, rowHash(row, bCols));
  });

  const counts = { added: 0, removed: 0, changed: 0 };
  const kept: RowChange[] = [];
  const wantedBefore = new Map<string, RowChange>();
  const keep = (c: RowChange, k?: string): void => {
    if (kept.length >= req.limit) return;
    kept.push(c);
    if (k !== undefined) wantedBefore.set(k, c);
  };
  await after.each((row) => {
    const k = keyText(row, aKey);
    const h = seen.get(k);
    const values = aCols.map((i) => row[i] ?? null);
    if (h === undefined) {
      counts.added++;
      keep({ change: 'added', key: aKey.map((i) => row[i] ?? null), after: values });
      return;
    }
    seen.delete(k);
    if (h !== rowHash(row, aCols)) {
      counts.changed++;
      keep({ change: 'changed', key: aKey.map((i) => row[i] ?? null), after: values }, k);
    }
  });
  // What is left in `seen` was removed.
  counts.removed = seen.size;
  for (const k of seen.keys()) {
    if (kept.length >= req.limit) break;
    keep({ change: 'removed', key: JSON.parse(k) as (string | null)[] }, k);
  }
  seen.clear();

  if (wantedBefore.size > 0) {
    const again = await req.before();
    const bAgain = positions(again.columns, req.keyColumns, 'before', name);
    const cAgain = positions(again.columns, columns, 'before', name);
    await again.each((row) => {
      const c = wantedBefore.get(keyText(row, bAgain));
      if (!c) return;
      c.before = cAgain.map((i) => row[i] ?? null);
      if (c.change === 'changed') c.changedColumns = columns.filter((_, i) => c.before?.[i] !== c.after?.[i]);
    });
  }
  const total = counts.added + counts.removed + counts.changed;
  return { schema: req.schema, table: req.table, columns, keyColumns: [...req.keyColumns], changes: kept, truncated: total > kept.length, counts };
}
