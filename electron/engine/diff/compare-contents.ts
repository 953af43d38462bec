// Compare two backups (or a backup and the live database) by what their indexes say: tables by
// exact row count and order-independent fingerprint, definitions by their table-of-contents text.
// Pure: the sides are read elsewhere (backup-side.ts, live-side.ts), so this is tested on its own.
import type { BackupDiff, BackupTable, DefinitionDiff, TableDiff } from '../../../shared/backup-contents.js';
import type { FingerprintKind } from '../archive/copy-text.js';

/** One table-of-contents entry that defines something (not data): what pg_dump would run to make it. */
export interface TocDefinition {
  /** pg_dump's description: "TABLE", "VIEW", "FUNCTION", "CONSTRAINT", "INDEX"… */
  kind: string;
  schema: string | null;
  /** As the TOC names it ("orders orders_pkey" for a constraint: table and constraint). */
  name: string;
  /** The SQL that creates it. */
  defn: string;
}

export interface DiffSide {
  /** A backup key, or "live". */
  label: string;
  tables: readonly BackupTable[];
  definitions: readonly TocDefinition[];
  /** How its fingerprints were computed: two sides' fingerprints compare only when this is the same. */
  fingerprints: FingerprintKind;
}

/**
 * Entries that are state rather than definitions: table data, where sequences stand, large
 * objects' data, and the archive's session settings. They change with every write and would hide
 * the definitions that did change.
 */
const NOT_DEFINITIONS = new Set(['TABLE DATA', 'SEQUENCE SET', 'BLOBS', 'BLOB DATA', 'LARGE OBJECT', 'ENCODING', 'STDSTRINGS', 'SEARCHPATH', 'DATABASE', 'DATABASE PROPERTIES', 'MATERIALIZED VIEW DATA']);

export function isDefinition(kind: string): boolean {
  return !NOT_DEFINITIONS.has(kind);
}

const tableKey = (t: { schema: string; name: string }): string => JSON.stringify([t.schema, t.name]);
const defnKey = (d: { kind: string; schema: string | null; name: string }): string => JSON.stringify([d.kind, d.schema, d.name]);

/**
 * Whether a table present on both sides changed. The fingerprint decides when both sides have one
 * (with the row count: equal fingerprints of different counts cannot happen, but a count is the
 * cheaper proof); without fingerprints only a different count proves a change, so a table whose
 * counts agree and whose content is unknown is reported unchanged.
 */
function tableChanged(a: BackupTable, b: BackupTable, sameFingerprints: boolean): boolean {
  if (a.rows !== null && b.rows !== null && a.rows !== b.rows) return true;
  if (sameFingerprints && a.fingerprint !== null && b.fingerprint !== null) return a.fingerprint !== b.fingerprint;
  return false;
}

function byName<T extends { schema: string | null; name: string }>(x: T, y: T): number {
  return (x.schema ?? '').localeCompare(y.schema ?? '') || x.name.localeCompare(y.name);
}

/** Definitions grouped by kind/schema/name; an object with several entries (ACLs, comments) compares as one text. */
function definitionTexts(defs: readonly TocDefinition[]): Map<string, { def: TocDefinition; text: string }> {
  const m = new Map<string, { def: TocDefinition; texts: string[] }>();
  for (const d of defs) {
    if (!isDefinition(d.kind)) continue;
    const k = defnKey(d);
    const e = m.get(k);
    if (e) e.texts.push(d.defn.trim());
    else m.set(k, { def: d, texts: [d.defn.trim()] });
  }
  return new Map([...m].map(([k, v]) => [k, { def: v.def, text: v.texts.sort().join('\n') }]));
}

export function compareContents(before: DiffSide, after: DiffSide): BackupDiff {
  const a = new Map(before.tables.map((t) => [tableKey(t), t]));
  const b = new Map(after.tables.map((t) => [tableKey(t), t]));
  const tables: TableDiff[] = [];
  // An index of the first version (SHA-256 sums) against a newer one: only the row counts compare.
  const sameFingerprints = before.fingerprints === after.fingerprints;
  for (const [k, t] of a) {
    const other = b.get(k);
    if (!other) tables.push({ schema: t.schema, name: t.name, change: 'removed', rowsBefore: t.rows, rowsAfter: null });
    else tables.push({ schema: t.schema, name: t.name, change: tableChanged(t, other, sameFingerprints) ? 'changed' : 'unchanged', rowsBefore: t.rows, rowsAfter: other.rows });
  }
  for (const [k, t] of b) if (!a.has(k)) tables.push({ schema: t.schema, name: t.name, change: 'added', rowsBefore: null, rowsAfter: t.rows });

  const da = definitionTexts(before.definitions);
  const db = definitionTexts(after.definitions);
  const definitions: DefinitionDiff[] = [];
  for (const [k, d] of da) {
    const other = db.get(k);
    if (!other) definitions.push({ kind: d.def.kind, schema: d.def.schema, name: d.def.name, change: 'removed' });
    else if (other.text !== d.text) definitions.push({ kind: d.def.kind, schema: d.def.schema, name: d.def.name, change: 'changed' });
  }
  for (const [k, d] of db) if (!da.has(k)) definitions.push({ kind: d.def.kind, schema: d.def.schema, name: d.def.name, change: 'added' });

  tables.sort(byName);
  definitions.sort((x, y) => x.kind.localeCompare(y.kind) || byName(x, y));
  return { before: before.label, after: after.label, tables, definitions };
}
