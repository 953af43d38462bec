// Show and peek for the app's Browse screen: the archive index's own showBackup/peekTable
// (electron/engine/archive/browse.ts): ranged reads through the index, streaming without one.
// When the profile's storage cannot give the backup, its first readable copy does, and the answer
// says which (as restore, extract and verify do).
import type { BackupContents, TablePeek } from '../../../shared/backup-contents.js';
import { peekTable, showBackup } from '../archive/browse.js';
import { resolveBackup, type FromCopy } from '../restore/backup-source.js';
import type { StorageTarget } from '../storage/target.js';
import type { BackupSideOptions } from './backup-side.js';

export interface BrowseOptions extends BackupSideOptions {
  /** The profile's copy destinations, tried in order when `to` cannot give the backup. */
  copies?: StorageTarget[] | undefined;
}

/** Where to read `key`: `to` itself without copies; else the first place that has it readable. */
async function placeOf(key: string, opts: BrowseOptions): Promise<{ to: BrowseOptions['to']; fromCopy: FromCopy | undefined }> {
  if (!opts.copies?.length) return { to: opts.to, fromCopy: undefined };
  const source = await resolveBackup({ to: opts.to, key, copies: opts.copies }, opts.env);
  return { to: source.target, fromCopy: source.fromCopy };
}

export async function showContents(key: string, opts: BrowseOptions): Promise<BackupContents> {
  const place = await placeOf(key, opts);
  const contents = await showBackup({ to: place.to, key, env: opts.env, signal: opts.signal });
  return place.fromCopy ? { ...contents, fromCopy: place.fromCopy.note } : contents;
}

export async function peekRows(key: string, table: string, limit: number, opts: BrowseOptions): Promise<TablePeek> {
  const place = await placeOf(key, opts);
  // How it was read (index or stream) stays in the engine; the screen shows the rows.
  const { via: _via, note: _note, ...peek } = await peekTable({ to: place.to, key, table, limit, env: opts.env, signal: opts.signal });
  return place.fromCopy ? { ...peek, fromCopy: place.fromCopy.note } : peek;
}
