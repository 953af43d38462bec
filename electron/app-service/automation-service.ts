import type { CallName, CallResponse, NotificationChannelView, ParsedCallRequest, ScheduleView } from '../../shared/ipc-contract.js';
import type { LifeboatNotification } from '../../shared/notification.js';
import { planRetention } from '../../shared/retention.js';
import { renderReportHtml } from '../../shared/report-html.js';
import type { AutomationConfig, Schedule } from '../../shared/schedule.js';
import { nextRuns, scheduledRunsBetween, timingProblem } from '../../shared/schedule-slots.js';
import { ActivityLog, errorForLog } from '../engine/activity/activity-log.js';
import { listBackups } from '../engine/backup/list-backups.js';
import { cleanUpRemovedSchedule, describeLeaseCleanup } from '../engine/scheduler/remove-schedule-leases.js';
import { LifeboatError } from '../engine/errors.js';
import { Notifier } from '../engine/notify/notifier.js';
import { collectReport, databaseOfUrl } from '../engine/report/collect-report.js';
import { automationConfigPath, loadAutomationConfig } from '../engine/scheduler/automation-config.js';
import { ScheduleRepository } from '../engine/scheduler/schedule-repository.js';
import { createSchedulerHost } from '../engine/scheduler/scheduler-host.js';
import type { Scheduler } from '../engine/scheduler/scheduler.js';
import { fileStateStore, schedulerStatePath } from '../engine/scheduler/scheduler-state.js';
import { openStorage } from '../engine/storage/open-storage.js';
import { parseStorageTarget } from '../engine/storage/target.js';
import type { EventSink } from './event-sink.js';
import type { TargetRepository } from './target-repository.js';

type AutomationCalls = 'schedules.list' | 'schedules.save' | 'schedules.remove' | 'schedules.runNow' | 'schedules.preview' | 'schedules.calendar' | 'retention.preview' | 'notifications.list' | 'notifications.test' | 'activity.list' | 'report.get';
export type AutomationHandlers = { [K in AutomationCalls & CallName]: (request: ParsedCallRequest<K>) => Promise<CallResponse<K>> };

export interface AutomationServiceOptions {
  env: NodeJS.ProcessEnv;
  emit: EventSink;
  targets: TargetRepository;
  pgBinDir?: string | undefined;
  desktop?: ((n: LifeboatNotification) => void) | undefined;
}

/**
 * The app's side of automation: schedules attached to its database targets (schedule name and
 * profile are the target's id), the scheduler running inside the app's process, and the calls the
 * UI uses for the schedule and retention editors, notifications, the activity log and the report.
 */
export function createAutomationService(opts: AutomationServiceOptions): { handlers: AutomationHandlers; start(): Promise<void>; wake(): Promise<void>; shutdown(): Promise<void> } {
  const { env, emit, targets } = opts;
  const file = automationConfigPath(env);
  const log = ActivityLog.forEnv(env);
  const stateStore = fileStateStore(schedulerStatePath(env));
  let scheduler: Scheduler | null = null;
  let stopReports: () => void = () => undefined;

  const schedules = new ScheduleRepository(env, file);
  // The profile each schedule backs up, for the 'backups.changed' event after a scheduled run.
  let profileOf = new Map<string, string | null>();

  const views = async (config?: AutomationConfig): Promise<ScheduleView[]> => {
    const c = config ?? (await loadAutomationConfig(file));
    const state = await stateStore.load();
    const now = new Date();
    profileOf = new Map(c.schedules.map((s) => [s.name, s.profile]));
    // Every schedule of every database, whoever made it (the app or `lifeboat scheduler add`).
    return c.schedules
      .filter((s) => s.profile !== null)
      .map((s) => ({
        targetId: s.profile ?? s.name,
        name: s.name,
        when: s.when,
        timezone: s.timezone,
        enabled: s.enabled,
        catchUp: s.catchUp,
        retries: s.retries,
        retryDelaySeconds: s.retryDelaySeconds,
        verifyDeep: s.verifyServer !== null,
        retention: s.retention ? { keepDays: s.retention.keepDays, keepLast: s.retention.keepLast } : null,
        verifyEveryDays: s.verifyEveryDays,
        rtoMs: s.rtoMs,
        nextRuns: s.enabled ? safeNextRuns(s, now) : [],
        lastOutcome: state[s.name]?.lastOutcome ?? null,
        lastRunAt: state[s.name]?.lastRunAt ?? null,
        lastTakenElsewhere: state[s.name]?.lastTakenElsewhere ?? null,
        // Skipped by the scheduler (a hand-edited cron or time zone): said on the schedule's screen.
        problem: s.enabled ? timingProblem(s) : null,
      }));
  };

  const restartScheduler = async (config: AutomationConfig): Promise<void> => {
    profileOf = new Map(config.schedules.map((s) => [s.name, s.profile]));
    const active = config.schedules.filter((s) => s.enabled && s.profile !== null);
    if (scheduler) {
      await scheduler.reload(active);
      return;
    }
    // The engine's own actions: a schedule backs up its profile's database, storage, format and
    // encryption, exactly as `lifeboat scheduler run` and `scheduler run-now` do.
    const host = createSchedulerHost({
      config,
      env,
      pgBinDir: opts.pgBinDir,
      desktop: opts.desktop,
      onEvent: (e) => {
        if (e.type === 'run-finished') {
          const targetId = profileOf.get(e.schedule);
          if (targetId) emit('backups.changed', { targetId });
        }
        if (e.type === 'run-finished' || e.type === 'verify-finished' || e.type === 'slot-taken') void views().then((all) => emit('schedules.changed', { schedules: all }));
      },
    });
    try {
      await host.scheduler.start(active);
    } catch (e) {
      // Not kept: the next call (start, a schedule save) tries again and meets the same error.
      host.stopReports();
      throw e;
    }
    scheduler = host.scheduler;
    stopReports = host.stopReports;
  };

  /**
   * A scheduler that cannot start (damaged settings or state file) must not idle in silence: the
   * failure goes to the activity log and the desktop, and the schedule calls fail with it too.
   */
  const startOrSay = async (): Promise<void> => {
    try {
      await restartScheduler(await loadAutomationConfig(file));
    } catch (e) {
      const at = new Date().toISOString();
      const error = errorForLog(e);
      await log.append({ kind: 'scheduler', outcome: 'failure', profile: null, startedAt: at, endedAt: at, bytes: null, storage: null, key: null, summary: 'The scheduler did not start; no scheduled backup runs until this is fixed', error, details: {} }).catch(() => undefined);
      try {
        opts.desktop?.({ type: 'failure', title: 'Scheduled backups are not running', text: error.message, profile: null, at, details: { code: error.code } });
      } catch {
        /* the desktop hook's own problem */
      }
      throw e;
    }
  };

  const changed = async (config: AutomationConfig): Promise<ScheduleView[]> => {
    await restartScheduler(config);
    const schedules = await views(config);
    emit('schedules.changed', { schedules });
    return schedules;
  };

  const handlers: AutomationHandlers = {
    'schedules.list': () => views(),

    'schedules.save': async (req) => {
      const t = await targets.get(req.targetId);
      const name = req.name ?? t.id;
      // Only the fields the screen edits change; format, retry delay, verification server and GFS
      // retention of a schedule made with the CLI stay as they were.
      await schedules.saveForProfile(t.id, name, (existing) => ({
        when: req.when,
        timezone: req.timezone ?? null,
        enabled: req.enabled,
        ...(req.catchUp !== undefined ? { catchUp: req.catchUp } : {}),
        ...(req.retries !== undefined ? { retries: req.retries } : {}),
        ...(req.verifyEveryDays !== undefined ? { verifyEveryDays: req.verifyEveryDays } : {}),
        ...(req.rtoMs !== undefined ? { rtoMs: req.rtoMs } : {}),
        retention: req.retention ? { ...req.retention, gfs: existing?.retention?.gfs ?? null } : null,
      }));
      const all = await changed(await loadAutomationConfig(file));
      const view = all.find((v) => v.name === name);
      if (!view) throw new LifeboatError('INTERNAL', 'The schedule was saved but cannot be read back.');
      return view;
    },

    'schedules.remove': async (req) => {
      const removed = await schedules.remove(req.name ?? req.targetId, { profile: req.targetId });
      if (!removed) return { removed: false };
      await changed(await loadAutomationConfig(file));
      // Its slot leases go too (after the scheduler has let go of it), except one held right now.
      return { removed: true, leases: describeLeaseCleanup(await cleanUpRemovedSchedule(removed, env)) || null };
    },

    'schedules.runNow': async (req) => {
      const s = await schedules.get(req.name);
      if (s.profile !== req.targetId) throw new LifeboatError('BAD_INPUT', `The schedule "${req.name}" does not belong to this database; choose one of its own schedules.`);
      if (!scheduler) await startOrSay();
      if (!scheduler) throw new LifeboatError('INTERNAL', 'The scheduler is not running.');
      const r = await scheduler.runNow(s);
      return { outcome: r.outcome, key: r.key, error: r.error, attempts: r.attempts, partlyCopied: r.partlyCopied?.text ?? null };
    },

    'schedules.preview': (req) => {
      const timing = { when: req.when, timezone: req.timezone ?? null };
      const problem = 'daily' in req.when && !/^([01]\d|2[0-3]):[0-5]\d$/.test(req.when.daily) ? 'give the time as HH:MM, e.g. 03:00' : timingProblem(timing);
      return Promise.resolve(problem ? { nextRuns: [], problem } : { nextRuns: nextRuns(timing, new Date(), 5).map((d) => d.toISOString()), problem: null });
    },

    'schedules.calendar': async (req) => {
      const config = await loadAutomationConfig(file);
      const byName = new Map(config.schedules.map((s) => [s.name, s.profile ?? s.name]));
      const runs = scheduledRunsBetween(config.schedules.filter((s) => s.profile !== null), new Date(req.from), new Date(req.to));
      return { runs: runs.map((r) => ({ targetId: byName.get(r.schedule) ?? r.schedule, at: r.at.toISOString() })) };
    },

    'retention.preview': async (req) => {
      const t = await targets.get(req.targetId);
      const entries = await listBackups(openStorage(t.storage), { prefix: t.storage.prefix });
      return planRetention(entries, { keepDays: req.keepDays, keepLast: req.keepLast, gfs: null }, new Date());
    },

    'notifications.list': async () => {
      const n = (await loadAutomationConfig(file)).notifications;
      const channels: NotificationChannelView[] = n.webhooks.map((w) => ({ name: w.name, kind: w.kind, urlEnv: w.urlEnv, configured: Boolean(env[w.urlEnv]), events: w.events }));
      if (n.sentryDsnEnv) channels.push({ name: 'sentry', kind: 'sentry', urlEnv: n.sentryDsnEnv, configured: Boolean(env[n.sentryDsnEnv]), events: ['failure', 'test'] });
      return { channels };
    },

    'notifications.test': async () => {
      const settings = (await loadAutomationConfig(file)).notifications;
      if (settings.webhooks.length === 0 && !settings.sentryDsnEnv) throw new LifeboatError('BAD_INPUT', 'No webhook or Sentry channel is set up yet, so there is nothing to test.');
      const deliveries = await new Notifier({ settings, env, log }).send({ type: 'test', title: 'Lifeboat test notification', text: 'If you can read this, Lifeboat can reach this channel.', profile: null, at: new Date().toISOString(), details: {} });
      return { deliveries };
    },

    'activity.list': async (req) => {
      // A database's activity: its own runs and those of every schedule attached to it.
      const names = req.targetId ? loggedNames(req.targetId, await loadAutomationConfig(file)) : null;
      const entries = (await log.read({ kind: req.kind, outcome: req.outcome })).filter((e) => names === null || (e.profile !== null && names.has(e.profile)));
      return entries.reverse().slice(0, req.limit ?? 500);
    },

    'report.get': async (req) => {
      const list = await targets.list();
      const now = new Date();
      const config = await loadAutomationConfig(file);
      // Per database: only its own backups (several may share a storage folder) and its own activity.
      const subjects = list.map((t) => ({
        name: t.name,
        target: parseStorageTarget(t.storageUrl, env),
        profile: t.id,
        alsoLoggedAs: [...loggedNames(t.id, config)].filter((n) => n !== t.id),
        dbName: databaseOfUrl(t.dbUrl) ?? 'postgres',
        rtoMs: strictestRto(config, t.id),
      }));
      const report = await collectReport(subjects, log, new Date(now.getTime() - req.days * 86_400_000), now);
      return { report, html: renderReportHtml(report) };
    },
  };

  return {
    handlers,
    start: startOrSay,
    async wake() {
      await scheduler?.wake();
    },
    async shutdown() {
      stopReports();
      await scheduler?.stop();
    },
  };
}

/** The names a database's activity is logged under: its profile, and the schedules attached to it. */
function loggedNames(profile: string, config: AutomationConfig): Set<string> {
  return new Set([profile, ...config.schedules.filter((s) => s.profile === profile).map((s) => s.name)]);
}

function safeNextRuns(s: Schedule, now: Date): string[] {
  try {
    return nextRuns(s, now, 5).map((d) => d.toISOString());
  } catch {
    return [];
  }
}

/** Several schedules of one database may each set a recovery-time target: the strictest one counts. */
function strictestRto(config: AutomationConfig, profile: string): number | null {
  const targets = config.schedules.filter((s) => s.profile === profile).flatMap((s) => (s.rtoMs !== null ? [s.rtoMs] : []));
  return targets.length > 0 ? Math.min(...targets) : null;
}
