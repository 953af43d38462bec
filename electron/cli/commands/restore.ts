import type { Command } from 'commander';
import { connectionWithSsh, sshOptions, type SshOptions } from '../ssh-options.js';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { recordOperation } from '../../engine/activity/record-operation.js';
import { LifeboatError } from '../../engine/errors.js';
import { parsePgConnection } from '../../engine/pg/connection.js';
import { describeBackupRead } from '../../engine/restore/ranged-copy.js';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, planRestore } from '../../engine/restore/plan-restore.js';
import { runRestore } from '../../engine/restore/run-restore.js';
import type { RestoreMode, RestoreRequest } from '../../engine/restore/restore-request.js';
import type { RestorePlan } from '../../../shared/restore-plan.js';
import { testNow } from '../test-clock.js';
import type { GlobalOptions } from '../global-options.js';
import { backupPlaces } from '../profile-target.js';
import { interruptSignal, printJson, terminalProgress } from '../output.js';
import { runListCommand } from './list.js';
import { restoreGroupCommand } from './restore-group.js';

interface RestoreOptions extends SshOptions {
  profile?: string;
  list?: boolean;
  to?: string;
  latest?: boolean;
  key?: string;
  file?: string;
  dbName?: string;
  target?: string;
  create?: boolean;
  clean?: boolean;
  yes?: boolean;
  temp?: boolean;
  tables?: string;
  schemas?: string;
  jobs?: string;
  keepOwner?: boolean;
  keepAcl?: boolean;
  withGlobals?: boolean;
  /** Commander's --no-tablespaces: false when given. */
  tablespaces?: boolean;
  group?: string;
  server?: string;
  lockTimeout?: string;
  allowSystemDatabase?: boolean;
  json?: boolean;
  dryRun?: boolean;
}

export function splitList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((s) => s.trim());
}

export function parseJobs(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^\d+$/.test(value)) throw new LifeboatError('BAD_INPUT', `--jobs must be a whole number such as 4; got "${value}".`);
  return Number(value);
}

export function parseLockTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new LifeboatError('BAD_INPUT', `--lock-timeout must be a whole number of seconds such as 30 (0: no limit); got "${value}".`);
  return Number(value);
}

function modeOf(opts: RestoreOptions): RestoreMode {
  const chosen = [opts.create && '--create', opts.clean && '--clean', opts.temp && '--temp'].filter(Boolean);
  if (chosen.length > 1) throw new LifeboatError('BAD_INPUT', `Choose one of --create, --clean or --temp; got ${chosen.join(' and ')}.`);
  if (opts.yes && !opts.clean) throw new LifeboatError('BAD_INPUT', '--yes only confirms --clean; add --clean, or drop --yes.');
  return opts.create ? 'create' : opts.clean ? 'clean' : opts.temp ? 'temp' : 'auto';
}

export function registerRestore(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('restore')
    .description('Restore a backup into a new, existing (--clean --yes) or temporary (--temp) database')
    .option('--list', 'list the backups (the same as `lifeboat list`)')
    .option('--profile <name>', 'read the backups from the storage of this saved profile')
    .option('--to <storage-url>', 'where the backups are: s3://bucket[/prefix] or file:///folder (default as for backup)')
    .option('--latest', 'the newest backup (of --db-name, when given)')
    .option('--key <key>', 'a specific backup key, as `lifeboat list` shows it')
    .option('--file <path>', 'restore a dump file from disk instead: a custom archive, .sql, .sql.gz or a Lifeboat .enc (its kind is read from its content)')
    .option('--db-name <name>', 'with --latest or --list: only backups of this database')
    .option('--target <url>', 'libpq URL of the database to restore into (with --temp: any database on the server)')
    .option('--create', 'the target database must not exist yet; it is created')
    .option('--clean', 'replace an existing database: everything in it is dropped and the whole backup restored, in one transaction')
    .option('--yes', 'confirm --clean')
    .option('--temp', 'restore into a new temporary database lifeboat_<db>_<YYYYMMDD_HHMMSS> and print its URL')
    .option('--tables <list>', 'only these tables, e.g. sales.orders,public.users (custom-format backups)')
    .option('--schemas <list>', 'only these schemas (custom-format backups)')
    .option('--jobs <n>', 'parallel pg_restore jobs (custom format, new databases; an indexed backup is read by ranged requests, no local copy)')
    .option('--keep-owner', 'restore ownership (default: --no-owner, for restoring production into dev)')
    .option('--keep-acl', 'restore privileges (default: --no-acl)')
    .option('--with-globals', 'create the roles (and tablespaces, where their directories exist on the server) the backup refers to that the target lacks, from the globals recorded with it, first (never altering existing ones); keeps owners and privileges')
    .option('--no-tablespaces', "put every object in the target database's default tablespace (pg_restore --no-tablespaces), for a server without the backup's tablespaces")
    .option('--group <set-id>', 'restore a set from `backup --all-databases` (see `lifeboat list`): its roles, then each database, into --server')
    .option('--server <url>', 'with --group: the server to restore the set into; each database becomes a new database of its own name')
    .option('--lock-timeout <seconds>', `with --clean: how long to wait for locks other sessions hold before giving up and naming them (default ${DEFAULT_LOCK_TIMEOUT_SECONDS}; 0: no limit)`)
    .option('--allow-system-database', 'allow restoring into postgres or a template database (refused otherwise)')
    .option('--dry-run', 'print the plan (what would be downloaded, created, dropped or replaced) and change nothing')
    .option('--json', 'print one JSON object');
  sshOptions(command, 'the --target server');
  command
    .action(async (opts: RestoreOptions) => {
      if (opts.list) {
        await runListCommand({ to: opts.to, profile: opts.profile, dbName: opts.dbName, json: opts.json });
        return;
      }
      if (opts.group !== undefined || opts.server !== undefined) {
        await restoreGroupCommand(opts, globals().pgBin, parseJobs(opts.jobs));
        return;
      }
      const mode = modeOf(opts);
      if (!opts.target) throw new LifeboatError('BAD_INPUT', 'Say where to restore with --target postgresql://user@host:5432/dbname.');
      if (opts.file !== undefined && (opts.to || opts.profile || opts.dbName)) {
        throw new LifeboatError('BAD_INPUT', '--file restores the file itself, so --to, --profile and --db-name do not apply; drop them (or drop --file to restore from storage).');
      }
      const request = async (): Promise<RestoreRequest> => ({
        ...(opts.file !== undefined ? { file: opts.file } : await backupPlaces(opts.to, opts.profile)),
        latest: opts.latest,
        key: opts.key,
        dbName: opts.dbName,
        target: (await connectionWithSsh(opts.target ?? '', opts)) ?? '',
        mode,
        confirmed: opts.yes ?? false,
        tables: splitList(opts.tables),
        schemas: splitList(opts.schemas),
        jobs: parseJobs(opts.jobs),
        // --with-globals restores the database with its roles: owners and privileges included.
        noOwner: !(opts.keepOwner || opts.withGlobals),
        noAcl: !(opts.keepAcl || opts.withGlobals),
        withGlobals: opts.withGlobals ?? false,
        ...(opts.tablespaces === false ? { noTablespaces: true } : {}),
        lockTimeoutSeconds: parseLockTimeout(opts.lockTimeout),
        allowSystemDatabase: opts.allowSystemDatabase ?? false,
        pgBinDir: globals().pgBin,
        ...(testNow() ? { now: () => testNow() ?? new Date() } : {}),
      });
      if (opts.dryRun) {
        const { plan } = await planRestore(await request(), { dryRun: true });
        if (opts.json) printJson(plan);
        else process.stdout.write(formatPlan(plan));
        return;
      }
      const progress = opts.json ? { onProgress: () => undefined, done: () => undefined } : terminalProgress();
      try {
        const restoreTarget = opts.target;
        const targetConn = parsePgConnection(restoreTarget);
        const restoreInfo = { kind: 'restore' as const, profile: opts.profile ?? null, storage: opts.to ?? opts.profile ?? null, key: opts.key ?? opts.file ?? null, summary: 'Restored', secrets: [targetConn.password ?? ''] };
        const r = await recordOperation(ActivityLog.forEnv(), restoreInfo, async () => runRestore({
          ...(await request()),
          signal: interruptSignal(),
          onProgress: progress.onProgress,
        }), (res) => ({ key: res.key, summary: `Restored into "${res.database}" on ${targetConn.display} (${res.target} database)`, details: { mode, target: res.target, checkedSha256: res.checkedSha256, read: describeBackupRead(res.read) } }));
        progress.done();
        if (opts.json) {
          printJson({ key: r.key, database: r.database, url: r.url, target: r.target, format: r.format, tool: `${r.tool.name} ${r.tool.version}`, checkedSha256: r.checkedSha256, durationMs: r.durationMs, read: r.read });
        } else if (r.target === 'temporary') {
          process.stdout.write(`${r.url ?? r.database}\n`);
        } else {
          process.stdout.write(`Restored ${r.key} into "${r.database}" (${r.target} database); ${describeBackupRead(r.read)}.\n`);
        }
        if (r.read.note) process.stderr.write(`lifeboat: ${r.read.note}\n`);
      } finally {
        progress.done();
      }
    });
}

/** The plan in words, as the app's review shows it. */
export function formatPlan(plan: RestorePlan): string {
  const lines = [
    `Backup:  ${plan.backup.key} (${plan.backup.format === 'custom' ? 'custom archive' : 'plain SQL'}, ${plan.backup.sizeBytes} bytes) in ${plan.backup.storage}`,
    `Into:    "${plan.destination.database}" on ${plan.destination.server} (PostgreSQL ${plan.destination.serverVersion}): ${plan.destination.action}`,
    ...(plan.roles?.missing && plan.roles.missing.length > 0 ? [`Roles:   the target lacks ${plan.roles.missing.join(', ')}${plan.roles.createMissing ? ' (created first)' : ''}`] : []),
    '',
    'What would happen:',
    ...plan.steps.map((s, i) => `  ${i + 1}. ${s}`),
    ...(plan.warnings.length > 0 ? ['', 'Warnings:', ...plan.warnings.map((w) => `  - ${w}`)] : []),
    '',
    'Nothing was changed (--dry-run).',
  ];
  return `${lines.join('\n')}\n`;
}
