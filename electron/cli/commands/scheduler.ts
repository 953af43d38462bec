import type { Command } from 'commander';
import { policyProblem } from '../../../shared/retention.js';
import { describeWhen, scheduleSchema, type Schedule } from '../../../shared/schedule.js';
import { nextRuns, timingProblem } from '../../../shared/schedule-slots.js';
import { LifeboatError } from '../../engine/errors.js';
import { getProfile } from '../../engine/profiles/profiles.js';
import { assertNoSecretInUrl, automationConfigPath, findSchedule, loadAutomationConfig, updateAutomationConfig } from '../../engine/scheduler/automation-config.js';
import { createSchedulerHost } from '../../engine/scheduler/scheduler-host.js';
import { invalidScheduleMessage } from '../../engine/scheduler/scheduler.js';
import { fileStateStore, schedulerStatePath } from '../../engine/scheduler/scheduler-state.js';
import { parseStorageTarget } from '../../engine/storage/target.js';
import type { GlobalOptions } from '../global-options.js';
import { printJson } from '../output.js';

interface AddOptions {
  profile?: string;
  db?: string;
  to?: string;
  daily?: string;
  cron?: string;
  timezone?: string;
  format: string;
  catchUp: boolean;
  retries: string;
  retryDelay: string;
  keepDays: string;
  keepLast: string;
  noPrune?: boolean;
  prune: boolean;
  verifyEveryDays: string;
  verifyDeepOn?: string;
  disabled?: boolean;
  replace?: boolean;
}

function num(v: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new LifeboatError('BAD_INPUT', `${flag} must be a number, not "${v}".`);
  return Number(v);
}

/** Builds and checks a schedule from the command line; one clear sentence for anything wrong. */
export function scheduleFromOptions(name: string, o: AddOptions, now: Date): Schedule {
  if ((o.daily === undefined) === (o.cron === undefined)) throw new LifeboatError('BAD_INPUT', 'Give exactly one of --daily HH:MM or --cron "EXPRESSION".');
  if (o.daily !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(o.daily)) throw new LifeboatError('BAD_INPUT', `--daily wants a 24-hour time like 03:00, not "${o.daily}".`);
  if (o.format !== 'custom' && o.format !== 'plain') throw new LifeboatError('BAD_INPUT', `Unknown format "${o.format}"; use --format custom or --format plain.`);
  if (!/^[\p{L}\p{N}_. -]{1,100}$/u.test(name)) throw new LifeboatError('BAD_INPUT', `"${name}" is not a usable schedule name; use letters, digits, spaces, dots, dashes or underscores.`);
  if (o.profile && (o.db || o.to)) throw new LifeboatError('BAD_INPUT', 'Give either --profile or --db/--to: a profile already says which database and where its backups go.');
  assertNoSecretInUrl(o.db ?? null, 'database URL');
  assertNoSecretInUrl(o.verifyDeepOn ?? null, 'verification server URL');
  parseStorageTarget(o.to); // fails with a clear sentence on a bad URL
  const when = o.daily !== undefined ? { daily: o.daily } : { cron: o.cron ?? '' };
  const problem = timingProblem({ when, timezone: o.timezone ?? null });
  if (problem) throw new LifeboatError('BAD_INPUT', `The schedule cannot be used: ${problem}.`);
  const retention = o.prune ? { keepDays: num(o.keepDays, '--keep-days'), keepLast: num(o.keepLast, '--keep-last'), gfs: null } : null;
  const rp = retention ? policyProblem(retention) : null;
  if (rp) throw new LifeboatError('BAD_INPUT', `The retention policy is not valid: ${rp}.`);
  const verify = num(o.verifyEveryDays, '--verify-every-days');
  return scheduleSchema.parse({
    name,
    profile: o.profile ?? null,
    db: o.db ?? null,
    to: o.to ?? null,
    format: o.format,
    when,
    timezone: o.timezone ?? null,
    enabled: !o.disabled,
    catchUp: o.catchUp,
    retries: num(o.retries, '--retries'),
    retryDelaySeconds: num(o.retryDelay, '--retry-delay'),
    retention,
    verifyEveryDays: verify === 0 ? null : verify,
    verifyServer: o.verifyDeepOn ?? null,
    createdAt: now.toISOString(),
  });
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
    .option('--no-catch-up', 'do not run a missed slot when the machine wakes or the scheduler starts')
    .option('--retries <n>', 'retries after a failed backup', '3')
    .option('--retry-delay <seconds>', 'first retry delay, doubling each time', '60')
    .option('--keep-days <n>', 'retention after each backup: keep N days', process.env.BACKUP_RETENTION_DAYS ?? '30')
    .option('--keep-last <n>', 'retention: always keep the newest N', '3')
    .option('--no-prune', 'never prune after a backup')
    .option('--verify-every-days <n>', 'verify the newest backup every N days (0: never)', '7')
    .option('--verify-deep-on <server-url>', 'verify deeply: restore into a temporary database on this server and compare row counts')
    .option('--disabled', 'store it without running it')
    .option('--replace', 'replace a schedule of the same name')
    .action(async (name: string, o: AddOptions) => {
      const s = scheduleFromOptions(name, o, new Date());
      if (s.profile) await getProfile(process.env, s.profile); // a clear error for an unknown profile
      await updateAutomationConfig(automationConfigPath(), (config) => {
        const existing = config.schedules.findIndex((x) => x.name === name);
        if (existing >= 0 && !o.replace) throw new LifeboatError('BAD_INPUT', `A schedule named "${name}" exists already; add --replace to change it.`);
        if (existing >= 0) config.schedules[existing] = s;
        else config.schedules.push(s);
      });
      const next = nextRuns(s, new Date(), 5).map((d) => d.toISOString());
      process.stdout.write(`Schedule "${name}": ${describeWhen(s)}. Next runs (UTC): ${next.join(', ')}\n`);
    });

  cmd
    .command('list')
    .description('List schedules with their next five runs and last outcome')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const config = await loadAutomationConfig(automationConfigPath());
      const state = await fileStateStore(schedulerStatePath()).load();
      const now = new Date();
      const rows = config.schedules.map((s) => {
        // A schedule the scheduler skips says so here too, instead of failing the whole list.
        const problem = timingProblem(s);
        return { ...s, when: s.when, description: describeWhen(s), problem, nextRuns: s.enabled && !problem ? nextRuns(s, now, 5).map((d) => d.toISOString()) : [], state: state[s.name] ?? null };
      });
      if (o.json) return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('No schedules. Add one with `lifeboat scheduler add NAME --db URL --to URL --daily 03:00`.\n');
      for (const r of rows) {
        const status = r.problem ? `SKIPPED by the scheduler: ${r.problem}` : `last: ${r.state?.lastOutcome ?? 'never run'}`;
        process.stdout.write(`${r.name}${r.enabled ? '' : ' (disabled)'}: ${r.description}; ${r.profile ? `profile ${r.profile}` : `${r.db ?? 'PG* environment'} → ${r.to ?? 'default storage'}`}; ${status}\n  next: ${r.nextRuns.join(', ') || '-'}\n`);
      }
    });

  cmd
    .command('remove <name>')
    .description('Remove a schedule (its backups stay)')
    .action(async (name: string) => {
      await updateAutomationConfig(automationConfigPath(), (config) => {
        findSchedule(config, name);
        config.schedules = config.schedules.filter((s) => s.name !== name);
      });
      process.stdout.write(`Removed schedule "${name}"; its backups are untouched.\n`);
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
        onEvent: (e) => {
          const t = new Date().toISOString();
          if (e.type === 'run-started') process.stdout.write(`${t} ${e.schedule}: backup started${e.catchUp ? ' (catching up a missed run)' : ''}\n`);
          if (e.type === 'run-finished') process.stdout.write(`${t} ${e.schedule}: ${e.outcome}${e.key ? ` ${e.key}` : ''}${e.error ? ` — ${e.error}` : ''}\n`);
          if (e.type === 'verify-finished') process.stdout.write(`${t} ${e.schedule}: verification ${e.ok ? 'ok' : 'FAILED'}${e.key ? ` ${e.key}` : ''}${e.error ? ` — ${e.error}` : ''}\n`);
          if (e.type === 'schedule-invalid') process.stderr.write(`lifeboat: ${invalidScheduleMessage({ name: e.schedule, problem: e.problem })}\n`);
        },
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
