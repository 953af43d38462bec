import type { LifeboatNotification } from '../../../shared/notification.js';
import type { AutomationConfig } from '../../../shared/schedule.js';
import { ActivityLog } from '../activity/activity-log.js';
import { Cron } from 'croner';
import { Notifier } from '../notify/notifier.js';
import { sendStatusReport } from '../report/send-report.js';
import { systemClock, type Clock } from './clock.js';
import { engineActions } from './schedule-actions.js';
import { drillOverTargetText, invalidScheduleMessage, Scheduler, type ScheduleActions, type SchedulerEvent } from './scheduler.js';
import { fileStateStore, schedulerStatePath } from './scheduler-state.js';

export interface SchedulerHostOptions {
  config: AutomationConfig;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  pgBinDir?: string | undefined;
  /** The desktop app passes its system-notification hook here. */
  desktop?: ((n: LifeboatNotification) => void) | undefined;
  /** Every scheduler event, for the app's UI or the CLI's output. */
  onEvent?: ((e: SchedulerEvent) => void) | undefined;
  graceMs?: number;
  /** Overrides the settings' maxConcurrentBackups (`scheduler run --max-concurrent`). */
  maxConcurrent?: number | undefined;
  /** Unit tests pass recorders; the app and the CLI both use the engine's (one behaviour for a schedule). */
  actions?: ScheduleActions | undefined;
  /** Send the status report on its cron (default true); a single `run-now` does not. */
  reports?: boolean;
}

/** What a scheduler event means for people: failures always, successes when asked for. */
export function notificationFor(e: SchedulerEvent, at: Date): LifeboatNotification | null {
  if (e.type === 'run-finished') {
    if (e.outcome === 'cancelled') return null;
    // Stored, but not everywhere it was asked to be: people hear about it like a failure, never silently.
    if (e.outcome === 'success' && e.partlyCopied) {
      return {
        type: 'failure',
        title: `Backup partly copied: ${e.schedule}`,
        text: `The scheduled backup stored ${e.key ?? ''}, but not in every place: ${e.partlyCopied.text}`,
        profile: e.schedule,
        at: at.toISOString(),
        details: { attempts: e.attempts, key: e.key, partlyCopied: true, failedCopies: e.partlyCopied.failed.join(', ') },
      };
    }
    const failed = e.outcome === 'failure';
    return {
      type: failed ? 'failure' : 'success',
      title: failed ? `Backup failed: ${e.schedule}` : `Backup done: ${e.schedule}`,
      text: failed ? `The scheduled backup failed after ${e.attempts} attempt(s): ${e.error ?? 'unknown error'}` : `The scheduled backup stored ${e.key ?? ''}.`,
      profile: e.schedule,
      at: at.toISOString(),
      details: { attempts: e.attempts, key: e.key, error: e.error },
    };
  }
  if (e.type === 'schedule-invalid') {
    const text = invalidScheduleMessage({ name: e.schedule, problem: e.problem });
    return { type: 'failure', title: `Schedule skipped: ${e.schedule}`, text, profile: e.schedule, at: at.toISOString(), details: { problem: e.problem } };
  }
  if (e.type === 'drill-over-target') {
    // A warning, sent where failures go: the backups are fine, the recovery time is not.
    return { type: 'failure', title: `Restore drill slower than its target: ${e.schedule}`, text: drillOverTargetText(e), profile: e.schedule, at: at.toISOString(), details: { key: e.key, recoveryMs: e.recoveryMs, targetMs: e.targetMs, warning: true } };
  }
  if (e.type === 'verify-finished' && !e.ok) {
    return { type: 'failure', title: `Verification failed: ${e.schedule}`, text: e.error ?? 'The newest backup did not verify.', profile: e.schedule, at: at.toISOString(), details: { key: e.key } };
  }
  return null;
}

/**
 * Wires the scheduler to the engine, the activity log, the state file and the notifier: the one
 * place both the app's main process and `lifeboat scheduler run` build it.
 */
export function createSchedulerHost(opts: SchedulerHostOptions): { scheduler: Scheduler; notifier: Notifier; log: ActivityLog; stopReports: () => void } {
  const clock = opts.clock ?? systemClock;
  const log = ActivityLog.forEnv(opts.env);
  const notifier = new Notifier({ settings: opts.config.notifications, env: opts.env, log, clock, desktop: opts.desktop });
  const scheduler = new Scheduler({
    clock,
    store: fileStateStore(schedulerStatePath(opts.env)),
    actions: opts.actions ?? engineActions({ env: opts.env, log, pgBinDir: opts.pgBinDir, clock }),
    log,
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    maxConcurrent: opts.maxConcurrent ?? opts.config.maxConcurrentBackups,
    onEvent: async (e) => {
      opts.onEvent?.(e);
      const n = notificationFor(e, clock.now());
      if (n) await notifier.send(n);
    },
  });
  // The weekly report rides on croner's own timer: a missed report is not worth catching up.
  const reportCron = opts.config.notifications.reportCron;
  const reports = reportCron && opts.reports !== false
    ? new Cron(reportCron, () => {
        void sendStatusReport(opts.config, opts.env, log, notifier, clock.now()).catch(() => undefined);
      })
    : null;
  return { scheduler, notifier, log, stopReports: () => reports?.stop() };
}
