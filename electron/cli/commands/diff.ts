import type { Command } from 'commander';
import type { BackupDiff, TableRowDiff } from '../../../shared/backup-contents.js';
import { LifeboatError } from '../../engine/errors.js';
import { diffBackups, diffTable, type DiffAfter } from '../../engine/diff/run-diff.js';
import { parsePgConnection } from '../../engine/pg/connection.js';
import type { GlobalOptions } from '../global-options.js';
import { backupPlaces } from '../profile-target.js';
import { interruptSignal, printJson } from '../output.js';

interface DiffOptions {
  profile?: string;
  to?: string;
  key: string[];
  live?: string;
  table?: string;
  limit: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const n = (x: number | null): string => (x === null ? '?' : x.toLocaleString('en'));
const text = (v: readonly (string | null)[] | undefined): string => (v ?? []).map((x) => (x === null ? 'NULL' : JSON.stringify(x))).join(', ');

export function renderBackupDiff(d: BackupDiff): string {
  const out = [`Comparing ${d.before} → ${d.after === 'live' ? 'the live database' : d.after}`];
  const changed = d.tables.filter((t) => t.change !== 'unchanged');
  out.push('', changed.length === 0 ? 'Tables: none changed.' : 'Tables:');
  for (const t of changed) {
    const rows = t.change === 'added' ? `${n(t.rowsAfter)} rows` : t.change === 'removed' ? `had ${n(t.rowsBefore)} rows` : `${n(t.rowsBefore)} → ${n(t.rowsAfter)} rows`;
    out.push(`  ${t.change.padEnd(8)} ${t.schema}.${t.name}  (${rows})`);
  }
  const same = d.tables.length - changed.length;
  if (same > 0) out.push(`  ${same} table${same === 1 ? '' : 's'} unchanged`);
  out.push('', d.definitions.length === 0 ? 'Definitions: none changed.' : 'Definitions:');
  for (const x of d.definitions) out.push(`  ${x.change.padEnd(8)} ${x.kind} ${x.schema ? `${x.schema}.` : ''}${x.name}`);
  return `${out.join('\n')}\n`;
}

export function renderRowDiff(d: TableRowDiff): string {
  const c = d.counts;
  const out = [`Rows of ${d.schema}.${d.table} by ${d.keyColumns.join(', ')}${c ? `: ${c.added} added, ${c.removed} removed, ${c.changed} changed` : ''}`];
  for (const ch of d.changes) {
    if (ch.change === 'changed') {
      out.push(`  changed  key (${text(ch.key)}):`);
      for (const col of ch.changedColumns ?? []) {
        const i = d.columns.indexOf(col);
        out.push(`    ${col}: ${text([ch.before?.[i] ?? null])} → ${text([ch.after?.[i] ?? null])}`);
      }
    } else out.push(`  ${ch.change.padEnd(8)} key (${text(ch.key)}): ${text(ch.change === 'added' ? ch.after : ch.before)}`);
  }
  if (d.truncated) out.push(`  … and more; raise --limit (now ${d.changes.length}) to see them.`);
  return `${out.join('\n')}\n`;
}

export function registerDiff(program: Command, globals: () => GlobalOptions): void {
  program
    .command('diff')
    .description('Compare two backups, or a backup with the live database: tables added, removed and changed, definitions changed; --table for the rows of one table')
    .option('--profile <name>', 'read the backups from the storage of this saved profile')
    .option('--to <storage-url>', 'where the backups are (default as for backup)')
    .option('--key <key>', 'a backup key; give two (older first), or one with --live', collect, [])
    .option('--live <url>', 'compare the backup with this live database (libpq URL)')
    .option('--table <schema.name>', 'the row-level diff of this table, by its primary key')
    .option('--limit <n>', 'with --table: at most this many changed rows are listed (the counts are complete)', '1000')
    .option('--json', 'print JSON')
    .action(async (opts: DiffOptions) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new LifeboatError('BAD_INPUT', `--limit must be a whole number of rows, at least 1 (got "${opts.limit}").`);
      let after: DiffAfter;
      if (opts.live !== undefined) {
        if (opts.key.length !== 1) throw new LifeboatError('BAD_INPUT', 'With --live, give exactly one --key: the backup to compare the live database with.');
        parsePgConnection(opts.live);
        after = { live: opts.live };
      } else {
        if (opts.key.length !== 2) throw new LifeboatError('BAD_INPUT', 'Give two backups, --key OLDER --key NEWER, or one --key and --live postgresql://… (see `lifeboat list`).');
        after = { key: opts.key[1] ?? '' };
      }
      // With --profile, a backup the storage cannot give is read from its first copy that has it (said on stderr).
      const req = { ...(await backupPlaces(opts.to, opts.profile)), before: opts.key[0] ?? '', after, pgBinDir: globals().pgBin, signal: interruptSignal() };
      if (opts.table !== undefined) {
        const d = await diffTable({ ...req, table: opts.table, limit });
        if (opts.json) printJson(d);
        else process.stdout.write(renderRowDiff(d));
        return;
      }
      const d = await diffBackups(req);
      if (opts.json) printJson(d);
      else process.stdout.write(renderBackupDiff(d));
    });
}
