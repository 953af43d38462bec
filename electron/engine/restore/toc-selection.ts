// pg_restore's table of contents (`pg_restore --list`) has one entry per line:
//   "3365; 0 16390 TABLE DATA sales orders postgres"  (id; tableoid oid, type, schema, name, owner)
// Names may hold spaces, so entries are matched against the exact names wanted, never split.

interface TocEntry {
  line: string;
  /** Everything after "<id>; <tableoid> <oid> ". */
  rest: string;
}

function entries(toc: string): TocEntry[] {
  const out: TocEntry[] = [];
  for (const line of toc.split('\n')) {
    const m = /^\s*\d+;\s+\d+\s+\d+\s+(.*)$/.exec(line);
    if (m?.[1] !== undefined) out.push({ line, rest: m[1] });
  }
  return out;
}

export interface QualifiedName {
  schema: string;
  name: string;
}

/** Splits SQL identifiers separated by `sep`, quotes respected (a quoted one may hold anything; "" is a quote). */
export function splitIdentifiers(text: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** "sales.orders" → {sales, orders}; a bare name is in public. Quotes allow dots: "a.b"."c". */
export function parseQualifiedName(text: string): QualifiedName {
  const parts = splitIdentifiers(text, '.');
  if (parts.length === 1) return { schema: 'public', name: parts[0] ?? '' };
  return { schema: parts.slice(0, -1).join('.'), name: parts[parts.length - 1] ?? '' };
}

/** The entries that belong to one table: its definition, data, defaults, constraints and comment. */
function belongsToTable(rest: string, t: QualifiedName): boolean {
  const p = `${t.schema} ${t.name} `;
  return ['TABLE ', 'TABLE DATA ', 'DEFAULT ', 'CONSTRAINT ', 'CHECK CONSTRAINT '].some((d) => rest.startsWith(`${d}${p}`)) || rest.startsWith(`COMMENT ${t.schema} TABLE ${t.name} `);
}

function isSchemaEntry(rest: string, schema: string): boolean {
  return rest.startsWith(`SCHEMA - ${schema} `);
}

/** What the archive's own TOC says about an entry (electron/engine/archive/custom-format.ts). */
export interface ArchiveTocFacts {
  dumpId: number;
  desc: string | null;
  tag: string | null;
  namespace: string | null;
  defn: string | null;
}

/**
 * The sequences that belong to the chosen tables — a serial column's (`ALTER SEQUENCE … OWNED BY
 * schema.table.column`) and an identity column's (`ALTER TABLE schema.table ALTER COLUMN … ADD
 * GENERATED … AS IDENTITY`) — with their OWNED BY and SEQUENCE SET entries: the dump ids of
 * entries a table's restore needs (its DEFAULT nextval(…) fails without them), which
 * `pg_restore --list` cannot show (it prints no definitions).
 */
export function ownedSequenceIds(toc: readonly ArchiveTocFacts[], tables: readonly QualifiedName[]): Set<number> {
  const wanted = (schema: string | undefined, name: string | undefined): boolean => tables.some((t) => t.schema === schema && t.name === name);
  const owned = new Set<string>();
  for (const e of toc) {
    const defn = e.defn ?? '';
    const serial = e.desc === 'SEQUENCE OWNED BY' ? / OWNED BY (.+);\s*$/.exec(defn) : null;
    if (serial?.[1]) {
      const parts = splitIdentifiers(serial[1], '.');
      if (parts.length >= 3 && wanted(parts[parts.length - 3], parts[parts.length - 2])) owned.add(`${e.namespace} ${e.tag}`);
    }
    const identity = e.desc === 'SEQUENCE' ? /^ALTER TABLE (?:ONLY )?(.+?) ALTER COLUMN /.exec(defn.trimStart()) : null;
    if (identity?.[1]) {
      const parts = splitIdentifiers(identity[1], '.');
      if (parts.length >= 2 && wanted(parts[parts.length - 2], parts[parts.length - 1])) owned.add(`${e.namespace} ${e.tag}`);
    }
  }
  const ids = new Set<number>();
  for (const e of toc) {
    if ((e.desc === 'SEQUENCE' || e.desc === 'SEQUENCE OWNED BY' || e.desc === 'SEQUENCE SET') && owned.has(`${e.namespace} ${e.tag}`)) ids.add(e.dumpId);
  }
  return ids;
}

/**
 * Selective restore: every object in the chosen schemas (the schemas themselves included), and for
 * each chosen table its definition, data, defaults, constraints, comment and owned sequences
 * (`alsoIds`, from ownedSequenceIds), plus its schema. Like pg_restore --table, objects the tables
 * depend on elsewhere (types, functions) and indexes are not included.
 */
export function selectTocEntries(toc: string, opts: { tables: readonly string[]; schemas: readonly string[]; alsoIds?: ReadonlySet<number> }): string {
  const tables = opts.tables.map(parseQualifiedName);
  const schemas = new Set(opts.schemas);
  const tableSchemas = new Set(tables.map((t) => t.schema).filter((s) => s !== 'public'));
  const keep = entries(toc).filter(({ line, rest }) => {
    if (opts.alsoIds?.has(Number(/^\s*(\d+);/.exec(line)?.[1]))) return true;
    for (const s of schemas) if (isSchemaEntry(rest, s) || schemaOf(rest, s)) return true;
    for (const s of tableSchemas) if (isSchemaEntry(rest, s)) return true;
    return tables.some((t) => belongsToTable(rest, t));
  });
  return `${keep.map((e) => e.line).join('\n')}\n`;
}

const TYPES = [
  'MATERIALIZED VIEW DATA', 'MATERIALIZED VIEW', 'SEQUENCE OWNED BY', 'SEQUENCE SET', 'SEQUENCE', 'TABLE DATA', 'TABLE ATTACH', 'TABLE',
  'FK CONSTRAINT', 'CHECK CONSTRAINT', 'CONSTRAINT', 'INDEX ATTACH', 'INDEX', 'EVENT TRIGGER', 'TRIGGER', 'DEFAULT ACL', 'DEFAULT',
  'VIEW', 'TYPE', 'SHELL TYPE', 'DOMAIN', 'FUNCTION', 'PROCEDURE', 'AGGREGATE', 'COMMENT', 'ACL', 'RULE', 'POLICY', 'ROW SECURITY',
  'FOREIGN TABLE', 'COLLATION', 'CONVERSION', 'OPERATOR CLASS', 'OPERATOR FAMILY', 'OPERATOR', 'STATISTICS', 'PUBLICATION TABLE',
  'PUBLICATION', 'TEXT SEARCH CONFIGURATION', 'TEXT SEARCH DICTIONARY', 'TEXT SEARCH PARSER', 'TEXT SEARCH TEMPLATE', 'SECURITY LABEL',
];

/** Whether an entry of a known type lives in the schema (the field right after the type). */
function schemaOf(rest: string, schema: string): boolean {
  return TYPES.some((d) => rest.startsWith(`${d} ${schema} `));
}

/** Entry types an extract never needs: other tables' rows, large objects, and what only speeds up or guards writes. */
export const EXTRACT_SKIPPED: readonly string[] = [
  'TABLE DATA', 'BLOBS', 'BLOB DATA', 'BLOB', 'LARGE OBJECT', 'MATERIALIZED VIEW DATA', 'INDEX', 'CONSTRAINT', 'FK CONSTRAINT',
  'CHECK CONSTRAINT', 'TRIGGER', 'EVENT TRIGGER', 'POLICY', 'ROW SECURITY', 'PUBLICATION', 'SUBSCRIPTION', 'STATISTICS',
  'SECURITY LABEL', 'COMMENT', 'ACL', 'DEFAULT ACL',
];

/**
 * Extract: every definition (types, domains, functions, sequences, all tables — cheap, and it keeps
 * dependencies intact: serial keys' sequences, types and functions in other schemas) but only the
 * wanted tables' rows. Returns null when a table is not in the archive.
 */
export function extractTocEntries(toc: string, table: QualifiedName | readonly QualifiedName[]): string | null {
  const tables = Array.isArray(table) ? (table as readonly QualifiedName[]) : [table as QualifiedName];
  const all = entries(toc);
  if (tables.length === 0 || missingTable(toc, tables) !== null) return null;
  const data = tables.map((t) => `TABLE DATA ${t.schema} ${t.name} `);
  const keep = all.filter(({ rest }) => data.some((d) => rest.startsWith(d)) || !EXTRACT_SKIPPED.some((d) => rest.startsWith(`${d} `)));
  return `${keep.map((e) => e.line).join('\n')}\n`;
}

/** The first of the tables that the archive does not define, or null when it has them all. */
export function missingTable(toc: string, tables: readonly QualifiedName[]): QualifiedName | null {
  const all = entries(toc);
  return tables.find((t) => !all.some((e) => e.rest.startsWith(`TABLE ${t.schema} ${t.name} `))) ?? null;
}
