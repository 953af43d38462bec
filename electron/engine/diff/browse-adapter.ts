// Show and peek for the app's Browse screen and for `lifeboat show`/`peek`: the archive index's own
// showBackup/peekTable (electron/engine/archive/browse.ts): ranged reads through the index,
// streaming without one. When the storage cannot give the backup, its first readable copy does,
// and the answer says which (as restore, extract and verify do).
import type { BackupContents, TablePeek } from '../../../shared/backup-contents.js';
import { peekTable, showBackup, type PeekResult } from '../archive/browse.js';
import { resolveBackup, type FromCopy } from '../restore/backup-source.js';
import type { BackupSideOptions } from './backup-side.js';

/** Where to browse: the storage, and the copy destinations tried in order when it cannot give the backup. */
export type BrowseOptions = BackupSideOptions;

/**
 * Where to read `key`: `to` itself without copies; else the first place that has it readable. Only
 * "not here, or not readable here" moves on to a copy: bad input and a cancel stop at the storage,
 * and once a place is chosen, what the backup holds (a table it lacks) is that place's answer.
 */
async function placeOf(key: string, opts: BrowseOptions): Promise<{ to: BrowseOptions['to']; fromCopy: FromCopy | undefined }> {
  if (!opts.copies?.length) return { to: opts.to, fromCopy: undefined };
  const source = await resolveBackup({ to: opts.to, key, copies: opts.copies, onSourceNote: opts.onSourceNote }, opts.env);
  return { to: source.target, fromCopy: source.fromCopy };
}

export async function showContents(key: string, opts: BrowseOptions): Promise<BackupContents> {
  const place = await placeOf(key, opts);
  const contents = await showBackup({ to: place.to, key, env: opts.env, signal: opts.signal });
  return place.fromCopy ? { ...contents, fromCopy: place.fromCopy.note } : contents;
}

/** A table's first rows, with how they were read (`via`, and a `note` when the index could not be used). */
export async function peekBackupTable(key: string, table: string, limit: number, opts: BrowseOptions): Promise<PeekResult> {
  const place = await placeOf(key, opts);
  const peek = await peekTable({ to: place.to, key, table, limit, env: opts.env, signal: opts.signal });
  return place.fromCopy ? { ...peek, fromCopy: place.fromCopy.note } : peek;
}

export async function peekRows(key: string, table: string, limit: number, opts: BrowseOptions): Promise<TablePeek> {
  // How it was read (index or stream) stays in the engine; the screen shows the rows.
  const { via: _via, note: _note, ...peek } = await peekBackupTable(key, table, limit, opts);
  return peek;
}
