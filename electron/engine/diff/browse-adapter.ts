// Show and peek for the app's Browse screen. The archive index (electron/engine/archive/, branch
// archive-index) provides showBackup/peekTable from a backup's index with ranged reads; until it is
// merged here, these read the archive from its start with the same archive reader.
import type { BackupContents, BackupObject, TablePeek } from '../../../shared/backup-contents.js';
import { parseQualifiedName } from '../restore/toc-selection.js';
import { backupRows, readBackupSide, type BackupSideOptions } from './backup-side.js';
import type { TextRow } from './row-diff.js';

/** Thrown inside a row callback to stop reading once enough rows were seen. */
class Enough extends Error {}

export async function showContents(key: string, opts: BackupSideOptions): Promise<BackupContents> {
  const side = await readBackupSide(key, opts);
  const objects: BackupObject[] = side.definitions.filter((d) => d.kind !== 'TABLE' && d.kind !== 'SCHEMA' && !['ENCODING', 'STDSTRINGS', 'SEARCHPATH', 'DATABASE', 'SEQUENCE SET', 'ACL', 'COMMENT'].includes(d.kind)).map((d) => ({ kind: d.kind, schema: d.schema, name: d.name }));
  const schemas = [...new Set([...side.definitions.filter((d) => d.kind === 'SCHEMA').map((d) => d.name), ...side.tables.map((t) => t.schema)])].sort();
  return { key, database: null, format: 'custom', indexed: false, schemas, tables: [...side.tables], objects };
}

export async function peekRows(key: string, table: string, limit: number, opts: BackupSideOptions): Promise<TablePeek> {
  const t = parseQualifiedName(table);
  const opened = await backupRows(key, t, opts)();
  const rows: TextRow[] = [];
  let truncated = false;
  try {
    await opened.each((r) => {
      if (rows.length >= limit) {
        truncated = true;
        throw new Enough();
      }
      rows.push(r);
    });
  } catch (e) {
    if (!(e instanceof Enough)) throw e;
  }
  return { key, schema: t.schema, table: t.name, columns: opened.columns, rows, truncated };
}
