// `lifeboat show`, `lifeboat peek` and `lifeboat index`: parse, call the engine
// (electron/engine/diff/browse-adapter.ts, electron/engine/archive/browse.ts), print. With
// --profile, show and peek read the first readable copy when the profile's storage cannot give the
// backup, and say so on stderr (as restore, extract and verify do).
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { BackupContents, TablePeek } from '../../../shared/backup-contents.js';
import { formatBytes } from '../../../shared/progress.js';
import { MAX_PEEK_LIMIT, indexBackup } from '../../engine/archive/browse.js';
import { peekBackupTable, showContents } from '../../engine/diff/browse-adapter.js';
import { interruptSignal, printJson } from '../output.js';
import { backupPlaces, storageOption } from '../profile-target.js';

interface WhereOptions {
  profile?: string;
  to?: string;
  key: string;
}

function withWhere(cmd: Command): Command {
  return cmd
    .option('--profile <name>', 'read the backup from the storage of this saved profile')
    .option('--to <storage-url>', 'where the backup is (default as for backup)')
    .requiredOption('--key <key>', 'the backup key, as `lifeboat list` shows it');
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > MAX_PEEK_LIMIT) throw new InvalidArgumentError(`use a whole number from 0 to ${MAX_PEEK_LIMIT}.`);
  return n;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function printContents(c: BackupContents): void {
  const lines = [`${c.key}: database ${c.database ?? '(unknown)'}, ${c.format} format, ${c.indexed ? 'from its archive index' : 'no archive index (`lifeboat index` builds one)'}`];
  lines.push(`Schemas: ${c.schemas.join(', ') || '(none)'}`);
  const names = c.tables.map((t) => `${t.schema}.${t.name}`);
  const width = Math.max(5, ...names.map((n) => n.length));
  lines.push('', `${pad('TABLE', width)}  ${pad('ROWS', 12)}  SIZE`);
  c.tables.forEach((t, i) => lines.push(`${pad(names[i] ?? '', width)}  ${pad(t.rows === null ? '?' : String(t.rows), 12)}  ${t.storedBytes === null ? '?' : formatBytes(t.storedBytes)}`));
  if (c.objects.length > 0) {
    lines.push('', `Other objects (${c.objects.length}):`);
    for (const o of c.objects) lines.push(`  ${o.kind} ${o.schema ? `${o.schema}.` : ''}${o.name}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** CSV as PostgreSQL's COPY … CSV writes it: NULL is an empty field, an empty string is "". */
function csvField(v: string | null): string {
  if (v === null) return '';
  return v === '' || /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function printPeek(p: TablePeek, format: string): void {
  if (format === 'json') {
    printJson({ ...p, rows: p.rows.map((r) => Object.fromEntries(p.columns.map((c, i) => [c, r[i] ?? null]))) });
    return;
  }
  if (format === 'csv') {
    process.stdout.write([p.columns, ...p.rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n');
    return;
  }
  // A table for people: NULL is shown as NULL, control characters as escapes, so each row is one line.
  const show = (v: string | null): string => (v === null ? 'NULL' : JSON.stringify(v).slice(1, -1).replaceAll('\\"', '"'));
  const cells = p.rows.map((r) => r.map(show));
  const widths = p.columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length))));
  const cut = (s: string, w: number): string => (s.length > w ? `${s.slice(0, w - 1)}…` : pad(s, w));
  const out = [p.columns.map((c, i) => cut(c, widths[i] ?? 0)).join(' | '), widths.map((w) => '-'.repeat(w)).join('-+-')];
  for (const r of cells) out.push(r.map((v, i) => cut(v, widths[i] ?? 0)).join(' | '));
  out.push(`(${p.rows.length} row${p.rows.length === 1 ? '' : 's'}${p.truncated ? '; the table has more' : ''})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

export function registerBrowse(program: Command): void {
  withWhere(program.command('show').description("List a backup's schemas, tables (rows, sizes) and other objects, without restoring it"))
    .option('--json', 'print the contents as JSON')
    .action(async (opts: WhereOptions & { json?: boolean }) => {
      const c = await showContents(opts.key, { ...(await backupPlaces(opts.to, opts.profile)), env: process.env, signal: interruptSignal() });
      if (opts.json) printJson(c);
      else printContents(c);
    });

  withWhere(program.command('peek').description("Print a table's first rows straight from a backup (no PostgreSQL server needed)"))
    .requiredOption('--table <schema.name>', 'the table, as `lifeboat show` lists it')
    .option('--limit <n>', 'how many rows', parseLimit, 20)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(async (opts: WhereOptions & { table: string; limit: number; format: string }) => {
      const p = await peekBackupTable(opts.key, opts.table, opts.limit, { ...(await backupPlaces(opts.to, opts.profile)), env: process.env, signal: interruptSignal() });
      if (p.note) process.stderr.write(`lifeboat: note: ${p.note}\n`);
      printPeek(p, opts.format);
    });

  withWhere(program.command('index').description('Build the archive index of a backup that has none (custom format, or plain SQL Lifeboat gzipped at COPY blocks), by reading it once'))
    .option('--force', 'rebuild it even when the backup has a valid index')
    .option('--json', 'print the result as JSON')
    .action(async (opts: WhereOptions & { force?: boolean; json?: boolean }) => {
      const r = await indexBackup({ to: await storageOption(opts.to, opts.profile), key: opts.key, force: opts.force, signal: interruptSignal() });
      if (opts.json) printJson(r);
      else process.stdout.write(r.created ? `Indexed ${r.key}: ${r.tables} tables, ${r.blocks} data blocks or segments, written to ${r.indexKey}.\n` : `${r.key} already has a valid index (${r.indexKey}); --force rebuilds it.\n`);
    });
}
