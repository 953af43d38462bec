// The primary key of a table, from the CONSTRAINT entry pg_dump writes for it:
//   ALTER TABLE ONLY public.orders
//       ADD CONSTRAINT orders_pkey PRIMARY KEY (id, "Line No");
import { splitIdentifiers, type QualifiedName } from '../restore/toc-selection.js';
import type { TocDefinition } from './compare-contents.js';

/** Identifiers separated by `sep`, each without the spaces around it. */
function trimmedIdentifiers(text: string, sep: string): string[] {
  return splitIdentifiers(text, sep).map((s) => s.trim());
}

/** The text between the parenthesis at `open` and its match, quotes respected; null when unbalanced. */
function parenthesized(text: string, open: number): string | null {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return null;
}

/** The table and key columns of a PRIMARY KEY constraint's definition, or null for any other. */
export function parsePrimaryKey(defn: string): { table: QualifiedName; columns: string[] } | null {
  const m = /^\s*ALTER TABLE (?:ONLY )?([\s\S]+?)\s+ADD CONSTRAINT [\s\S]*? PRIMARY KEY \(/.exec(defn);
  if (!m?.[1]) return null;
  const list = parenthesized(defn, m[0].length - 1);
  if (list === null) return null;
  const parts = trimmedIdentifiers(m[1], '.');
  const table = parts.length >= 2 ? { schema: parts.slice(0, -1).join('.'), name: parts[parts.length - 1] ?? '' } : { schema: 'public', name: parts[0] ?? '' };
  return { table, columns: trimmedIdentifiers(list, ',') };
}

/** The primary key columns of `table` among a table of contents' definitions, or null when it has none. */
export function primaryKeyOf(definitions: readonly TocDefinition[], table: QualifiedName): string[] | null {
  for (const d of definitions) {
    if (d.kind !== 'CONSTRAINT' || d.schema !== table.schema) continue;
    const pk = parsePrimaryKey(d.defn);
    if (pk && pk.table.schema === table.schema && pk.table.name === table.name) return pk.columns;
  }
  return null;
}
