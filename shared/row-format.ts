// Rows extracted from a backup, written so that they read back exactly: every value is
// PostgreSQL's own text form (what COPY writes), NULL stays distinct from the empty string.

export interface ExtractColumn {
  name: string;
  /** format_type() of the column, e.g. "numeric(12,2)", "text[]". */
  type: string;
}

export type TextRow = (string | null)[];

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal for standard_conforming_strings = on (the default since 9.1): only quotes double. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function csvField(v: string): string {
  return `"${v.replace(/"/g, '""')}"`;
}

/**
 * CSV as PostgreSQL's COPY … (FORMAT csv, HEADER) reads it: every value quoted, NULL an unquoted
 * empty field, so '' and NULL differ.
 */
export function toCsv(columns: readonly ExtractColumn[], rows: readonly TextRow[]): string {
  const lines = [columns.map((c) => csvField(c.name)).join(',')];
  for (const r of rows) lines.push(r.map((v) => (v === null ? '' : csvField(v))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** JSON: an array of objects, each value PostgreSQL's text form (or null), so nothing is reinterpreted. */
export function toJson(columns: readonly ExtractColumn[], rows: readonly TextRow[]): string {
  const objs = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i] ?? null])));
  return `${JSON.stringify(objs, null, 2)}\n`;
}

export interface InsertTarget {
  schema: string;
  table: string;
  /** OVERRIDING SYSTEM VALUE, needed when an identity column is GENERATED ALWAYS. */
  overrideIdentity: boolean;
}

/** INSERT … ON CONFLICT DO NOTHING statements, safe to run twice. */
export function toSqlInserts(target: InsertTarget, columns: readonly ExtractColumn[], rows: readonly TextRow[]): string {
  const head = `INSERT INTO ${quoteIdent(target.schema)}.${quoteIdent(target.table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')})${target.overrideIdentity ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES `;
  const out = ['SET standard_conforming_strings = on;'];
  for (const r of rows) out.push(`${head}(${r.map((v) => (v === null ? 'NULL' : quoteLiteral(v))).join(', ')}) ON CONFLICT DO NOTHING;`);
  return `${out.join('\n')}\n`;
}

/**
 * A table's name as SQL writes it, quoted only when it must be ("Sales ""EU"""."Order Lines",
 * public.actor): what the app sends for a table, read back by the engine's parseQualifiedName.
 */
export function qualifiedTableName(schema: string, name: string): string {
  const q = (s: string) => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : quoteIdent(s));
  return `${q(schema)}.${q(name)}`;
}
