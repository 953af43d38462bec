// `lifeboat diff` and the app's Compare: a backup against another backup or the live database,
// by table and definition, or one table row by row.
import type { BackupDiff } from '../../../shared/backup-contents.js';
import { LifeboatError } from '../errors.js';
import { parseQualifiedName } from '../restore/toc-selection.js';
import type { StorageTarget } from '../storage/target.js';
import { backupRows, readBackupSide, readBackupToc, type BackupSideOptions } from './backup-side.js';
import { compareContents } from './compare-contents.js';
import { livePrimaryKey, liveRows, readLiveSide } from './live-side.js';
import { primaryKeyOf } from './primary-key.js';
import { diffTableRows, type RowDiffResult } from './row-diff.js';

/** The second side: another backup, or a live database (libpq URL). */
export type DiffAfter = { key: string } | { live: string };

export interface DiffRequest {
  to?: string | StorageTarget | undefined;
  /** The profile's copy destinations: a backup side `to` cannot give is read from the first that has it. */
  copies?: StorageTarget[] | undefined;
  /** Told each "read from a copy" sentence once (the CLI prints it on stderr). */
  onSourceNote?: ((sentence: string) => void) | undefined;
  before: string;
  after: DiffAfter;
  pgBinDir?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  signal?: AbortSignal | undefined;
}

export interface TableDiffRequest extends DiffRequest {
  /** schema.name (a bare name means public). */
  table: string;
  /** Changes returned with their values (the counts are always complete). Default 1000. */
  limit?: number | undefined;
}

/**
 * How each backup side is read: from `to`, or from the first copy that has it when `to` cannot give
 * it. A side may be opened more than once (a row diff reads "before" twice): its sentence is told
 * once, and the answer gives them in side order, "before" first.
 */
function sideOptions(req: DiffRequest, env: NodeJS.ProcessEnv): { opts: (key: string) => BackupSideOptions; fromCopy: () => { fromCopy?: string } } {
  const notes = new Map<string, string>();
  const opts = (key: string): BackupSideOptions => ({
    to: req.to,
    copies: req.copies,
    onSourceNote: (sentence) => {
      if (notes.has(key)) return;
      notes.set(key, sentence);
      req.onSourceNote?.(sentence);
    },
    env,
    signal: req.signal,
  });
  const fromCopy = (): { fromCopy?: string } => {
    const said = [...new Set([req.before, 'key' in req.after ? req.after.key : ''])].flatMap((k) => notes.get(k) ?? []);
    return said.length > 0 ? { fromCopy: said.join(' ') } : {};
  };
  return { opts, fromCopy };
}

/** Tables added, removed and changed (by count and fingerprint) and definitions changed. */
export async function diffBackups(req: DiffRequest): Promise<BackupDiff> {
  const env = req.env ?? process.env;
  const { opts, fromCopy } = sideOptions(req, env);
  const [before, after] = await Promise.all([
    readBackupSide(req.before, opts(req.before)),
    'key' in req.after ? readBackupSide(req.after.key, opts(req.after.key)) : readLiveSide(req.after.live, { env, pgBinDir: req.pgBinDir, signal: req.signal }),
  ]);
  return { ...compareContents(before, after), ...fromCopy() };
}

/** The rows of one table that were added, removed or changed, by its primary key. */
export async function diffTable(req: TableDiffRequest): Promise<RowDiffResult> {
  const env = req.env ?? process.env;
  const table = parseQualifiedName(req.table);
  if (table.name === '') throw new LifeboatError('BAD_INPUT', 'Name the table with --table schema.name, e.g. --table sales.orders.');
  const { opts, fromCopy } = sideOptions(req, env);
  const live = { env, pgBinDir: req.pgBinDir, signal: req.signal };
  // The key as the older side defines it; the newer side's when the table is new there.
  let keyColumns = primaryKeyOf(await readBackupToc(req.before, opts(req.before)), table);
  if (!keyColumns) keyColumns = 'key' in req.after ? primaryKeyOf(await readBackupToc(req.after.key, opts(req.after.key)), table) : await livePrimaryKey(req.after.live, table, env);
  if (!keyColumns) throw new LifeboatError('BAD_INPUT', `Table ${table.schema}.${table.name} has no primary key, so its rows cannot be matched; compare it by table (without --table).`);
  const rows = await diffTableRows({
    schema: table.schema,
    table: table.name,
    keyColumns,
    before: backupRows(req.before, table, opts(req.before)),
    after: 'key' in req.after ? backupRows(req.after.key, table, opts(req.after.key)) : liveRows(req.after.live, table, live),
    limit: req.limit ?? 1000,
  });
  return { ...rows, ...fromCopy() };
}
