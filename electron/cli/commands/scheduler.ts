import type { Command } from 'commander';
import { durationText, parseRtoTarget } from '../../../shared/duration.js';
import { describeWhen, type Schedule, type ScheduleInput } from '../../../shared/schedule.js';
import { nextRuns, timingProblem } from '../../../shared/schedule-slots.js';
import { mergeCompression, type CompressMethod } from '../../../shared/compression.js';
import { LifeboatError } from '../../engine/errors.js';
import { compressionChangeFrom, compressMethodOption } from '../compress-options.js';
import { automationConfigPath, loadAutomationConfig } from '../../engine/scheduler/automation-config.js';
import { cleanUpRemovedSchedule, describeLeaseCleanup } from '../../engine/scheduler/remove-schedule-leases.js';
import { startRunNow } from '../../engine/scheduler/run-now.js';
import { ScheduleRepository, type SchedulePatch } from '../../engine/scheduler/schedule-repository.js';
import { createSchedulerHost } from '../../engine/scheduler/scheduler-host.js';
import { drillOverTargetText, invalidScheduleMessage, type SchedulerEvent } from '../../engine/scheduler/scheduler.js';
import { fileStateStore, schedulerStatePath } from '../../engine/scheduler/scheduler-state.js';
import type { GlobalOptions } from '../global-options.js';
import { printJson } from '../output.js';
import { PARTLY_COPIED_EXIT } from './backup.js';
import { testNow } from '../test-clock.js';

interface AddOptions {
  profile?: string;
  db?: string;
  to?: string;
  daily?: string;
  cron?: string;
  timezone?: string;
  format: string;
  compressMethod?: CompressMethod;
  compressLevel?: string;
  catchUp: boolean;
  retries: string;
  retryDelay: string;
  keepDays: string;
  keepLast: string;
  noPrune?: boolean;
  prune: boolean;
  verifyEveryDays: string;
  verifyDeepOn?: string;
  rto?: string;
  disabled?: boolean;
  replace?: boolean;
}

function num(v: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new LifeboatError('BAD_INPUT', `${flag} must be a number, not "${v}".`);
  return Number(v);
}

function whenFromOptions(o: { daily?: string | undefined; cron?: string | undefined }): Schedule['when'] {
  if ((o.daily === undefined) === (o.cron === undefined)) throw new LifeboatError('BAD_INPUT', 'Give exactly one of --daily HH:MM or --cron "EXPRESSION".');
  if (o.daily !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(o.daily)) throw new LifeboatError('BAD_INPUT', `--daily wants a 24-hour time like 03:00, not "${o.daily}".`);
  return o.daily !== undefined ? { daily: o.daily } : { cron: o.cron ?? '' };
}

function formatOption(v: string): 'custom' | 'plain' {
  if (v !== 'custom' && v !== 'plain') throw new LifeboatError('BAD_INPUT', `Unknown format "${v}"; use --format custom or --format plain.`);
  return v;
}

function profileCompression(): LifeboatError {
  return new LifeboatError('BAD_INPUT', 'A schedule with a profile compresses as the profile says; change it with `lifeboat profile edit NAME --compress-method …`, not on the schedule.');
}

/** `--verify-every-days 0` is "never", stored as null (one meaning, see shared/schedule.ts). */
function verifyDays(v: string): number | null {
  const n = num(v, '--verify-every-days');
  return n === 0 ? null : n;
}

/** `--rto 15m` → ms; "none" (or "") clears the target. */
function rtoOption(v: string): number | null {
  const r = parseRtoTarget(v);
  if (!r.ok) throw new LifeboatError('BAD_INPUT', `--rto: ${r.problem}`);
  return r.ms;
}

/** Parses the command line into a schedule; the repository checks it (timing, retention, URLs, profile). */
export function scheduleFromOptions(name: string, o: AddOptions, now: Date, formatGiven = false): ScheduleInput {
  if (o.profile && formatGiven) throw new LifeboatError('BAD_INPUT', 'A schedule with --profile backs up in the profile\'s format; change it with `lifeboat profile edit`, not --format.');
  const compression = compressionChangeFrom(o.compressMethod, o.compressLevel);
  if (o.profile && compression) throw profileCompression();
  return {
    name,
    profile: o.profile ?? null,
    db: o.db ?? null,
    to: o.to ?? null,
    format: formatOption(o.format),
    compression: compression ? mergeCompression(null, compression) : null,
    when: whenFromOptions(o),
    timezone: o.timezone ?? null,
    enabled: !o.disabled,
    catchUp: o.catchUp,
    retries: num(o.retries, '--retries'),
    retryDelaySeconds: num(o.retryDelay, '--retry-delay'),
    retention: o.prune ? { keepDays: num(o.keepDays, '--keep-days'), keepLast: num(o.keepLast, '--keep-last'), gfs: null } : null,
    verifyEveryDays: verifyDays(o.verifyEveryDays),
    verifyServer: o.verifyDeepOn ?? null,
    rtoMs: o.rto === undefined ? null : rtoOption(o.rto),
    createdAt: now.toISOString(),
  };
}

interface EditOptions {
  profile?: string;
  db?: string;
  to?: string;
  daily?: string;
  cron?: string;
  timezone?: string;
  format?: string;
  compressMethod?: CompressMethod;
  compressLevel?: string;
  catchUp?: boolean;
  retries?: string;
  retryDelay?: string;
  keepDays?: string;
  keepLast?: string;
  prune?: boolean;
  verifyEveryDays?: string;
  verifyDeepOn?: string;
  rto?: string;
  enabled?: boolean;
}

/** Only the flags given become changes; every other field of the schedule stays as it is. */
export function patchFromOptions(o: EditOptions): (s: Schedule) => SchedulePatch {
  if (o.profile && (o.db !== undefined || o.to !== undefined)) throw new LifeboatError('BAD_INPUT', 'Give either --profile or --db/--to: a profile already says which database and where its backups go.');
  const p: SchedulePatch = {};
  if (o.profile !== undefined) Object.assign(p, { profile: o.profile, db: null, to: null });
  if (o.db !== undefined) Object.assign(p, { profile: null, db: o.db });
  if (o.to !== undefined) Object.assign(p, { profile: null, to: o.to });
  if (o.daily !== undefined || o.cron !== undefined) p.when = whenFromOptions(o);
  if (o.timezone !== undefined) p.timezone = o.timezone === '' ? null : o.timezone;
  if (o.format !== undefined) p.format = formatOption(o.format);
  const compression = compressionChangeFrom(o.compressMethod, o.compressLevel);
  if (o.catchUp !== undefined) p.catchUp = o.catchUp;
  if (o.retries !== undefined) p.retries = num(o.retries, '--retries');
  if (o.retryDelay !== undefined) p.retryDelaySeconds = num(o.retryDelay, '--retry-delay');
  if (o.verifyEveryDays !== undefined) p.verifyEveryDays = verifyDays(o.verifyEveryDays);
  if (o.verifyDeepOn !== undefined) p.verifyServer = o.verifyDeepOn === '' ? null : o.verifyDeepOn;
  if (o.rto !== undefined) p.rtoMs = rtoOption(o.rto);
  if (o.enabled !== undefined) p.enabled = o.enabled;
  const keepDays = o.keepDays === undefined ? undefined : num(o.keepDays, '--keep-days');
  const keepLast = o.keepLast === undefined ? undefined : num(o.keepLast, '--keep-last');
  if (o.prune === false && (keepDays !== undefined || keepLast !== undefined)) throw new LifeboatError('BAD_INPUT', 'Give either --no-prune or --keep-days/--keep-last, not both.');
  return (s) => {
    if (o.format !== undefined && (p.profile ?? s.profile)) throw new LifeboatError('BAD_INPUT', `The schedule "${s.name}" backs up a profile, in the profile's format; change it with \`lifeboat profile edit\`, not --format.`);
    if (compression && (p.profile ?? s.profile)) throw profileCompression();
    if (compression) p.compression = mergeCompression(s.compression, compression);
    if (o.prune === false) return { ...p, retention: null };
    if (keepDays === undefined && keepLast === undefined) return p;
    const base = s.retention ?? { keepDays: 30, keepLast: 3, gfs: null };
    return { ...p, retention: { ...base, keepDays: keepDays ?? base.keepDays, keepLast: keepLast ?? base.keepLast } };
  };
}

function printNextRuns(s: Schedule): void {
  const next = s.enabled && !timingProblem(s) ? nextRuns(s, testNow() ?? new Date(), 5).map((d) => d.toISOString()) : [];
  process.stdout.write(`Schedule "${s.name}": ${describeWhen(s)}${s.enabled ? '' : ' (disabled)'}. Next runs (UTC): ${next.join(', ') || '-'}\n`);
}

/** One line per scheduler event, the same for `run` and `run-now`. */
function printEvent(e: SchedulerEvent): void {
  const t = new Date().toISOString();
  if (e.type === 'run-started') process.stdout.write(`${t} ${e.schedule}: backup started${e.catchUp ? ' (catching up a missed run)' : ''}\n`);
  if (e.type === 'run-finished') process.stdout.write(`${t} ${e.schedule}: ${e.outcome}${e.key ? ` ${e.key}` : ''}${e.error ? ` — ${e.error}` : ''}${e.partlyCopied ? ` — ${e.partlyCopied.text}` : ''}\n`);
  if (e.type === 'verify-finished') process.stdout.write(`${t} ${e.schedule}: verification ${e.ok ? 'ok' : 'FAILED'}${e.key ? ` ${e.key}` : ''}${e.error ? ` — ${e.error}` : ''}\n`);
  if (e.type === 'drill-over-target') process.stdout.write(`${t} ${e.schedule}: WARNING ${drillOverTargetText(e)}\n`);
  if (e.type === 'slot-taken') process.stdout.write(`${t} ${e.schedule}: slot ${e.slot} ${e.done ? 'already backed up' : 'taken'} by ${e.holder}; not run here\n`);
  if (e.type === 'schedule-invalid') process.stderr.write(`lifeboat: ${invalidScheduleMessage({ name: e.schedule, problem: e.problem })}\n`);
}

export function registerScheduler(program: Command, globals: () => GlobalOptions): void {
  const cmd = program.command('scheduler').description('Schedules: add, list, remove, and run them headless (a terminal, systemd, launchd, Task Scheduler)');

  cmd
    .command('add <name>')
    .description('Add (or with --replace, change) a schedule')
    .option('--profile <name>', 'back up this profile (database, storage, format, encryption, secrets from the keychain)')
    .option('--db <url>', 'libpq URL of the database, without password (PGPASSWORD or ~/.pgpass supply it)')
    .option('--to <storage-url>', 's3://bucket[/prefix] or file:///folder')
    .option('--daily <HH:MM>', 'every day at this local time')
    .option('--cron <expression>', 'a cron expression (5 fields, or 6 with seconds first)')
    .option('--timezone <zone>', 'IANA time zone such as Europe/Berlin (default: this machine’s)')
    .option('--format <format>', 'custom or plain', 'custom')
    .addOption(compressMethodOption('gzip (default), lz4 or zstd (pg_dump 16+, custom format), none (custom format); schedules without a profile'))
    .option('--compress-level <n>', 'level of that method: gzip 0-9 (default 6), lz4 1-12, zstd 1-22')
    .option('--no-catch-up', 'do not run a missed slot when the machine wakes or the scheduler starts')
    .option('--retries <n>', 'retries after a failed backup', '3')
    .option('--retry-delay <seconds>', 'first retry delay, doubling each time', '60')
    .option('--keep-days <n>', 'retention after each backup: keep N days', process.env.BACKUP_RETENTION_DAYS ?? '30')
    .option('--keep-last <n>', 'retention: always keep the newest N', '3')
    .option('--no-prune', 'never prune after a backup')
    .option('--verify-every-days <n>', 'verify the newest backup every N days (0: never)', '7')
    .option('--verify-deep-on <server-url>', 'verify deeply: restore into a temporary database on this server and compare row counts')
    .option('--rto <duration>', 'recovery-time target for its drills (deep verifications), e.g. 15m or 1h30m: a slower drill is a warning')
    .option('--disabled', 'store it without running it')
    .option('--replace', 'replace a schedule of the same name')
    .action(async (name: string, o: AddOptions, command: Command) => {
      const input = scheduleFromOptions(name, o, testNow() ?? new Date(), command.getOptionValueSource('format') === 'cli');
      const repo = new ScheduleRepository(process.env);
      // Said with this command's flags; the repository refuses the same under its lock too.
      if (!o.replace && (await repo.list()).some((x) => x.name === name)) {
        throw new LifeboatError('BAD_INPUT', `A schedule named "${name}" exists already; add --replace to replace it, or change some of its fields with \`lifeboat scheduler edit ${name}\`.`);
      }
      printNextRuns(await repo.add(input, { replace: o.replace ?? false }));
    });

  cmd
    .command('edit <name>')
    .description('Change some fields of a schedule; the fields not given stay as they are')
    .option('--profile <name>', 'back up this profile instead (replaces --db/--to)')
    .option('--db <url>', 'libpq URL of the database, without password')
    .option('--to <storage-url>', 's3://bucket[/prefix] or file:///folder')
    .option('--daily <HH:MM>', 'every day at this local time')
    .option('--cron <expression>', 'a cron expression (5 fields, or 6 with seconds first)')
    .option('--timezone <zone>', 'IANA time zone ("" for this machine’s)')
    .option('--format <format>', 'custom or plain (schedules without a profile)')
    .addOption(compressMethodOption('gzip, lz4, zstd or none (schedules without a profile)'))
    .option('--compress-level <n>', 'level of that method (a level alone keeps the method)')
    .option('--catch-up', 'run a missed slot when the machine wakes or the scheduler starts')
    .option('--no-catch-up', 'do not run missed slots')
    .option('--retries <n>', 'retries after a failed backup')
    .option('--retry-delay <seconds>', 'first retry delay, doubling each time')
    .option('--keep-days <n>', 'retention: keep N days')
    .option('--keep-last <n>', 'retention: always keep the newest N')
    .option('--no-prune', 'never prune after a backup')
    .option('--verify-every-days <n>', 'verify the newest backup every N days (0: never)')
    .option('--verify-deep-on <server-url>', 'verify deeply on this server ("" for quick verification)')
    .option('--rto <duration>', 'recovery-time target for its drills, e.g. 15m or 1h30m ("none": no target)')
    .option('--enable', 'run it on its schedule')
    .option('--disable', 'keep it without running it')
    .action(async (name: string, o: EditOptions & { enable?: boolean; disable?: boolean }, command: Command) => {
      if (o.enable && o.disable) throw new LifeboatError('BAD_INPUT', 'Give either --enable or --disable, not both.');
      // Commander sets negatable flags' defaults (prune, catchUp = true): only values typed count.
      const given = (k: string): boolean => command.getOptionValueSource(k) === 'cli';
      const opts: EditOptions = { ...o, catchUp: given('catchUp') ? o.catchUp : undefined, prune: given('prune') ? o.prune : undefined, enabled: o.enable ? true : o.disable ? false : undefined };
      const s = await new ScheduleRepository(process.env).edit(name, patchFromOptions(opts));
      printNextRuns(s);
    });

  cmd
    .command('list')
    .description('List schedules with their next five runs and last outcome')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const schedules = await new ScheduleRepository(process.env).list();
      const state = await fileStateStore(schedulerStatePath()).load();
      const now = testNow() ?? new Date();
      const rows = schedules.map((s) => {
        // A schedule the scheduler skips says so here too, instead of failing the whole list.
        const problem = timingProblem(s);
        return { ...s, when: s.when, description: describeWhen(s), problem, nextRuns: s.enabled && !problem ? nextRuns(s, now, 5).map((d) => d.toISOString()) : [], state: state[s.name] ?? null };
      });
      if (o.json) return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('No schedules. Add one with `lifeboat scheduler add NAME --db URL --to URL --daily 03:00`.\n');
      for (const r of rows) {
        const status = r.problem ? `SKIPPED by the scheduler: ${r.problem}` : `last: ${r.state?.lastOutcome ?? 'never run'}`;
        process.stdout.write(`${r.name}${r.enabled ? '' : ' (disabled)'}: ${r.description}; ${r.profile ? `profile ${r.profile}` : `${r.db ?? 'PG* environment'} → ${r.to ?? 'default storage'}`}; ${status}${r.rtoMs !== null ? `; drills target ${durationText(r.rtoMs)}` : ''}\n  next: ${r.nextRuns.join(', ') || '-'}\n`);
      }
    });

  cmd
    .command('remove <name>')
    .description('Remove a schedule (its backups stay; its slot leases in the storage go, except one a scheduler holds right now)')
    .action(async (name: string) => {
      const repo = new ScheduleRepository(process.env);
      const removed = await repo.remove(name);
      if (!removed) return void (await repo.get(name)); // NOT_FOUND, naming the schedules there are
      const leases = describeLeaseCleanup(await cleanUpRemovedSchedule(removed, process.env));
      process.stdout.write(`Removed schedule "${name}"; its backups are untouched.${leases ? ` ${leases}` : ''}\n`);
    });

  cmd
    .command('run-now <name>')
    .description('Run one schedule once, now, exactly as the scheduler would (retries, retention, verification when due, activity log, notifications); exits non-zero when it fails')
    .action(async (name: string) => {
      const { result, cancel } = await startRunNow(name, { env: process.env, pgBinDir: globals().pgBin, onEvent: printEvent });
      const stop = (): void => {
        process.stdout.write('Stopping: cancelling the backup…\n');
        void cancel();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const r = await result;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (r.outcome === 'success') {
        // As `lifeboat backup`: the backup exists, but not everywhere it was asked to be.
        if (r.partlyCopied) {
          process.stderr.write(`lifeboat: ${r.partlyCopied.text}\n`);
          process.exitCode = PARTLY_COPIED_EXIT;
        }
        return;
      }
      if (r.cause instanceof LifeboatError) throw r.cause;
      throw new LifeboatError(r.outcome === 'cancelled' ? 'CANCELLED' : 'BAD_INPUT', `The run of "${name}" ${r.outcome === 'cancelled' ? 'was cancelled' : `failed: ${r.error ?? 'unknown error'}`}.`);
    });

  cmd
    .command('run')
    .description('Run the schedules in the foreground until Ctrl-C or SIGTERM (for a terminal or a service)')
    .option('--max-concurrent <n>', 'backups running at once; later due runs wait their turn (default: maxConcurrentBackups in the settings, 2)')
    .action(async (o: { maxConcurrent?: string }) => {
      const maxConcurrent = o.maxConcurrent === undefined ? undefined : positiveInt(o.maxConcurrent, '--max-concurrent');
      // A damaged settings or state file stops us here with one sentence naming it (exit non-zero).
      const config = await loadAutomationConfig(automationConfigPath());
      const active = config.schedules.filter((s) => s.enabled);
      if (active.length === 0) throw new LifeboatError('BAD_INPUT', 'There are no enabled schedules; add one with `lifeboat scheduler add`.');
      const problems = active.map((s) => ({ name: s.name, problem: timingProblem(s) })).filter((p) => p.problem !== null);
      if (problems.length === active.length) {
        throw new LifeboatError('BAD_INPUT', `None of the enabled schedules can run (${problems.map((p) => `"${p.name}": ${p.problem ?? ''}`).join('; ')}); fix them with \`lifeboat scheduler add NAME --replace …\`.`);
      }
      const { scheduler, stopReports } = createSchedulerHost({
        config,
        env: process.env,
        pgBinDir: globals().pgBin,
        maxConcurrent,
        onEvent: printEvent,
      });
      let stopping = false;
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals): void => {
          if (stopping) {
            // A second signal: the service manager or the user will not wait for the clean-up.
            process.stderr.write(`lifeboat: ${signal} again; exiting without waiting for running backups to clean up.\n`);
            process.exit(signal === 'SIGINT' ? 130 : 143);
          }
          stopping = true;
          process.stdout.write('Stopping: cancelling running backups…\n');
          stopReports();
          void scheduler.stop().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      // SIGHUP (systemctl reload) re-reads the settings without stopping running backups.
      const onHup = (): void => {
        void loadAutomationConfig(automationConfigPath())
          .then(async (c) => {
            await scheduler.reload(c.schedules.filter((s) => s.enabled));
            process.stdout.write(`Reloaded: ${c.schedules.filter((s) => s.enabled).length - scheduler.invalidSchedules().length} schedule(s).\n`);
          })
          .catch((e: unknown) => process.stderr.write(`lifeboat: could not reload the settings, still running the previous ones: ${(e as Error).message}\n`));
      };
      if (process.platform !== 'win32') process.on('SIGHUP', onHup);
      await scheduler.start(active);
      const running = active.filter((s) => !scheduler.invalidSchedules().some((i) => i.name === s.name));
      process.stdout.write(`Scheduler running ${running.length} schedule(s): ${running.map((s) => `${s.name} (${describeWhen(s)})`).join(', ')}; at most ${maxConcurrent ?? config.maxConcurrentBackups} backup(s) at once. Ctrl-C stops.\n`);
      await stopped;
    });
}

function positiveInt(v: string, flag: string): number {
  if (!/^\d{1,2}$/.test(v) || Number(v) < 1 || Number(v) > 64) throw new LifeboatError('BAD_INPUT', `${flag} must be a whole number from 1 to 64, not "${v}".`);
  return Number(v);
}
