import type { CallName, CallResponse, NotificationChannelView, ParsedCallRequest, ScheduleView } from '../../shared/ipc-contract.js';
import type { LifeboatNotification } from '../../shared/notification.js';
import { planRetention } from '../../shared/retention.js';
import { renderReportHtml } from '../../shared/report-html.js';
import { scheduleSchema, type AutomationConfig, type Schedule } from '../../shared/schedule.js';
import { nextRuns, scheduledRunsBetween, timingProblem } from '../../shared/schedule-slots.js';
import { ActivityLog, errorForLog } from '../engine/activity/activity-log.js';
import { runLoggedBackup } from '../engine/activity/logged-backup.js';
import { listBackups } from '../engine/backup/list-backups.js';
import { LifeboatError } from '../engine/errors.js';
import { Notifier } from '../engine/notify/notifier.js';
import { collectReport, databaseOfUrl } from '../engine/report/collect-report.js';
import { automationConfigPath, loadAutomationConfig, updateAutomationConfig } from '../engine/scheduler/automation-config.js';
import { engineActions } from '../engine/scheduler/schedule-actions.js';
import { createSchedulerHost } from '../engine/scheduler/scheduler-host.js';
import type { Scheduler, ScheduleActions } from '../engine/scheduler/scheduler.js';
import { fileStateStore, schedulerStatePath } from '../engine/scheduler/scheduler-state.js';
import { openStorage } from '../engine/storage/open-storage.js';
import { parseStorageTarget } from '../engine/storage/target.js';
import type { EventSink } from './event-sink.js';
import type { TargetRepository } from './target-repository.js';

type AutomationCalls = 'schedules.list' | 'schedules.save' | 'schedules.remove' | 'schedules.preview' | 'schedules.calendar' | 'retention.preview' | 'notifications.list' | 'notifications.test' | 'activity.list' | 'report.get';
export type AutomationHandlers = { [K in AutomationCalls & CallName]: (request: ParsedCallRequest<K>) => Promise<CallResponse<K>> };

export interface AutomationServiceOptions {
  env: NodeJS.ProcessEnv;
  emit: EventSink;
  targets: TargetRepository;
  pgBinDir?: string | undefined;
  /** A password a target holds, put back into its URL in memory for the engine. */
  withPassword: (dbUrl: string, password: string | null) => string;
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

  const actions: ScheduleActions = {
    ...engineActions({ env, log, pgBinDir: opts.pgBinDir }),
    async backup(s, signal, attempt) {
      const t = await targets.get(s.profile ?? s.name, { forBackup: true });
      try {
        const r = await runLoggedBackup(
          { db: opts.withPassword(t.dbUrl, t.password), to: t.storage, env, signal, pgBinDir: opts.pgBinDir, format: s.format, encryption: t.encryptionKey },
          log,
          t.id,
          { scheduled: true, attempt },
        );
        return { key: r.key, sizeBytes: r.sizeBytes, dbName: r.manifest.database };
      } finally {
        emit('backups.changed', { targetId: t.id });
      }
    },
  };

  const views = async (config?: AutomationConfig): Promise<ScheduleView[]> => {
    const c = config ?? (await loadAutomationConfig(file));
    const state = await stateStore.load();
    const now = new Date();
    return c.schedules
      .filter((s) => s.profile !== null)
      .map((s) => ({
        targetId: s.profile ?? s.name,
        when: s.when,
        timezone: s.timezone,
        enabled: s.enabled,
        catchUp: s.catchUp,
        retries: s.retries,
        retention: s.retention ? { keepDays: s.retention.keepDays, keepLast: s.retention.keepLast } : null,
        verifyEveryDays: s.verifyEveryDays,
        nextRuns: s.enabled ? safeNextRuns(s, now) : [],
        lastOutcome: state[s.name]?.lastOutcome ?? null,
        lastRunAt: state[s.name]?.lastRunAt ?? null,
        // Skipped by the scheduler (a hand-edited cron or time zone): said on the schedule's screen.
        problem: s.enabled ? timingProblem(s) : null,
      }));
  };

  const restartScheduler = async (config: AutomationConfig): Promise<void> => {
    const active = config.schedules.filter((s) => s.enabled && s.profile !== null);
    if (scheduler) {
      await scheduler.reload(active);
      return;
    }
    const host = createSchedulerHost({
      config,
      env,
      actions,
      desktop: opts.desktop,
      onEvent: (e) => {
        if (e.type === 'run-finished' || e.type === 'verify-finished') void views().then((schedules) => emit('schedules.changed', { schedules }));
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
      const problem = timingProblem({ when: req.when, timezone: req.timezone ?? null });
      if (problem) throw new LifeboatError('BAD_INPUT', `The schedule cannot be used: ${problem}.`);
      const config = await updateAutomationConfig(file, (config) => {
        const existing = config.schedules.find((s) => s.profile === t.id);
        const s: Schedule = scheduleSchema.parse({
          name: t.id,
          profile: t.id,
          db: null,
          to: t.storageUrl,
          when: req.when,
          timezone: req.timezone ?? null,
          enabled: req.enabled,
          catchUp: req.catchUp ?? true,
          retries: req.retries ?? 3,
          retention: req.retention ? { ...req.retention, gfs: null } : null,
          verifyEveryDays: req.verifyEveryDays === undefined ? 7 : req.verifyEveryDays,
          // Editing keeps the original creation time: changing the time must not look like missed runs.
          createdAt: existing?.createdAt ?? new Date().toISOString(),
        });
        config.schedules = [...config.schedules.filter((x) => x.profile !== t.id), s];
        return config;
      });
      const all = await changed(config);
      const view = all.find((v) => v.targetId === t.id);
      if (!view) throw new LifeboatError('INTERNAL', 'The schedule was saved but cannot be read back.');
      return view;
    },

    'schedules.remove': async (req) => {
      const { config, removed } = await updateAutomationConfig(file, (config) => {
        const before = config.schedules.length;
        config.schedules = config.schedules.filter((s) => s.profile !== req.targetId);
        return { config, removed: config.schedules.length !== before };
      });
      if (!removed) return { removed: false };
      await changed(config);
      return { removed: true };
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
      const deliveries = await new Notifier({ settings, env, log }).send({ type: 'test', title: 'Lifeboat test notification', text: 'If you can read this, Lifeboat can reach this channel.', profile: null, at: new Date().toISOString(), details: {} });
      if (deliveries.length === 0) throw new LifeboatError('BAD_INPUT', 'No channel receives test notifications; add a webhook on the command line (see the README, Notifications).');
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
