// A backup's schemas and objects for `show` and Browse, from its TOC entries (custom archives) or
// the entry comments of its SQL (plain backups): the same list whichever format it is.
import type { BackupObject } from '../../../shared/backup-contents.js';

/** pg_dump's bookkeeping entries, which are not objects a person looks for. */
const BOOKKEEPING = new Set(['ENCODING', 'STDSTRINGS', 'SEARCHPATH', 'DATABASE', 'DATABASE PROPERTIES', 'SCHEMA', 'TABLE DATA', 'BLOBS', 'LARGE OBJECTS', 'SEQUENCE SET', 'ACL', 'COMMENT']);

type Entry = { desc: string | null; namespace: string | null; tag: string | null };

export function objectsOf(entries: readonly Entry[]): BackupObject[] {
  return entries
    .filter((e) => e.desc !== null && !BOOKKEEPING.has(e.desc))
    .map((e) => ({ kind: e.desc ?? '', schema: e.namespace || null, name: e.tag ?? '' }));
}

export function schemasOf(entries: readonly Entry[]): string[] {
  const s = new Set<string>();
  for (const e of entries) {
    if (e.desc === 'SCHEMA' && e.tag) s.add(e.tag);
    else if (e.namespace) s.add(e.namespace);
  }
  return [...s].sort();
}
