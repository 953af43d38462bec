import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { connectionWithSsh, sshOptions, type SshOptions } from '../ssh-options.js';
import { toCsv, toJson, toSqlInserts } from '../../../shared/row-format.js';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { recordOperation } from '../../engine/activity/record-operation.js';
import { LifeboatError } from '../../engine/errors.js';
import { parsePgConnection } from '../../engine/pg/connection.js';
import { runExtract, type ExtractResult } from '../../engine/extract/run-extract.js';
import { describeBackupRead } from '../../engine/restore/ranged-copy.js';
import type { GlobalOptions } from '../global-options.js';
import { backupPlaces } from '../profile-target.js';
import { interruptSignal, printJson, terminalProgress } from '../output.js';

interface ExtractOptions extends SshOptions {
  profile?: string;
  to?: string;
  latest?: boolean;
  key?: string;
  dbName?: string;
  server?: string;
  table?: string;
  where?: string;
  format: string;
  out?: string;
  into?: string;
  keep?: boolean;
  json?: boolean;
}

export function renderRows(r: ExtractResult, format: string): string {
  if (format === 'csv') return toCsv(r.columns, r.rows);
  if (format === 'json') return toJson(r.columns, r.rows);
  return toSqlInserts({ schema: r.table.schema, table: r.table.name, overrideIdentity: r.overrideIdentity }, r.columns, r.rows);
}

export function registerExtract(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('extract')
    .description("Recover rows of one table from a backup, via a temporary database (never the production one)")
    .option('--profile <name>', 'read the backups from the storage of this saved profile')
    .option('--to <storage-url>', 'where the backups are (default as for backup)')
    .option('--latest', 'the newest backup (of --db-name, when given)')
    .option('--key <key>', 'a specific backup key')
    .option('--db-name <name>', 'with --latest: the newest backup of this database')
    .option('--server <url>', 'libpq URL of the server to make the temporary database on')
    .option('--table <schema.name>', 'the table to recover rows from')
    .option('--where <sql>', 'which rows, e.g. "customer_id = 42" (run read-only in the temporary database)')
    .option('--format <format>', 'csv, json or sql (INSERT … ON CONFLICT DO NOTHING)', 'sql')
    .option('--out <file>', 'write the rows to this new file (default: standard output)')
    .option('--into <url>', 'copy the rows into the same table of this database, in one transaction')
    .option('--keep', 'keep the temporary database (see `lifeboat temp list`)')
    .option('--json', 'print a JSON summary (with --out or --into)');
  sshOptions(command, 'the --server server');
  command
    .action(async (opts: ExtractOptions) => {
      if (!['csv', 'json', 'sql'].includes(opts.format)) throw new LifeboatError('BAD_INPUT', `Unknown format "${opts.format}"; use --format csv, json or sql.`);
      if (!opts.server) throw new LifeboatError('BAD_INPUT', 'Say where to make the temporary database with --server postgresql://user@host:5432/postgres.');
      if (!opts.table) throw new LifeboatError('BAD_INPUT', 'Name the table with --table schema.name, e.g. --table sales.orders.');
      if (opts.into && opts.out) throw new LifeboatError('BAD_INPUT', 'Use either --out (write a file) or --into (copy into a database), not both.');
      if (opts.json && !opts.into && !opts.out) throw new LifeboatError('BAD_INPUT', '--json prints a summary; use it with --out or --into, or use --format json for the rows themselves.');
      const progress = terminalProgress();
      let r: ExtractResult;
      try {
        const server = (await connectionWithSsh(opts.server, opts)) ?? opts.server;
        const table = opts.table;
        const secrets = [parsePgConnection(opts.server).password ?? '', opts.into ? (parsePgConnection(opts.into).password ?? '') : ''];
        r = await recordOperation(ActivityLog.forEnv(), { kind: 'extract', profile: opts.profile ?? null, storage: opts.to ?? opts.profile ?? null, key: opts.key ?? null, summary: 'Extracted rows', secrets }, async () => runExtract({
          ...(await backupPlaces(opts.to, opts.profile)),
          latest: opts.latest,
          key: opts.key,
          dbName: opts.dbName,
          server,
          table,
          where: opts.where,
          into: opts.into,
          keep: opts.keep ?? false,
          pgBinDir: globals().pgBin,
          signal: interruptSignal(),
          onProgress: progress.onProgress,
        }), (res) => ({ key: res.key, summary: `Extracted ${res.rows.length} rows of ${res.table.schema}.${res.table.name}${res.into ? ` into "${res.into.database}" (${res.into.inserted} inserted)` : ''}`, details: { table: `${res.table.schema}.${res.table.name}`, rows: res.rows.length, read: describeBackupRead(res.read) } }));
      } finally {
        progress.done();
      }
      const table = `${r.table.schema}.${r.table.name}`;
      if (r.into) {
        if (opts.json) printJson({ key: r.key, table, rows: r.rows.length, inserted: r.into.inserted, skipped: r.into.skipped, keptDatabase: r.keptUrl, read: r.read });
        else process.stdout.write(`Inserted ${r.into.inserted} rows into ${table} in "${r.into.database}"; skipped ${r.into.skipped} already there; ${describeBackupRead(r.read)}.\n`);
      } else if (opts.out) {
        try {
          await writeFile(opts.out, renderRows(r, opts.format), { flag: 'wx', mode: 0o600 });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new LifeboatError('BAD_INPUT', `${opts.out} already exists; choose a new file name for --out.`);
          throw new LifeboatError('BAD_INPUT', `Cannot write ${opts.out}: ${(e as Error).message}.`);
        }
        if (opts.json) printJson({ key: r.key, table, rows: r.rows.length, out: opts.out, format: opts.format, keptDatabase: r.keptUrl, read: r.read });
        else process.stdout.write(`Wrote ${r.rows.length} rows of ${table} from ${r.key} to ${opts.out}; ${describeBackupRead(r.read)}.\n`);
      } else {
        process.stdout.write(renderRows(r, opts.format));
      }
      if (r.read.note) process.stderr.write(`lifeboat: ${r.read.note}\n`);
      if (r.keptUrl && !opts.json) process.stderr.write(`lifeboat: kept the temporary database ${r.keptUrl}\n`);
    });
}
