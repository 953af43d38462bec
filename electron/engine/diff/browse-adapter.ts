// Show and peek for the app's Browse screen: the archive index's own showBackup/peekTable
// (electron/engine/archive/browse.ts): ranged reads through the index, streaming without one.
import type { BackupContents, TablePeek } from '../../../shared/backup-contents.js';
import { peekTable, showBackup } from '../archive/browse.js';
import type { BackupSideOptions } from './backup-side.js';

export function showContents(key: string, opts: BackupSideOptions): Promise<BackupContents> {
  return showBackup({ to: opts.to, key, env: opts.env, signal: opts.signal });
}

export async function peekRows(key: string, table: string, limit: number, opts: BackupSideOptions): Promise<TablePeek> {
  // How it was read (index or stream) stays in the engine; the screen shows the rows.
  const { via: _via, note: _note, ...peek } = await peekTable({ to: opts.to, key, table, limit, env: opts.env, signal: opts.signal });
  return peek;
}
