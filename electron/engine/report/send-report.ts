import { reportSummary, type StatusReport } from '../../../shared/report.js';
import type { AutomationConfig } from '../../../shared/schedule.js';
import type { ActivityLog } from '../activity/activity-log.js';
import type { DeliveryStatus, Notifier } from '../notify/notifier.js';
import { collectReport, reportSubjects } from './collect-report.js';

const WEEK_MS = 7 * 86_400_000;

/** Builds the report for the last `periodMs` and sends its summary to the webhooks that take reports. */
export async function sendStatusReport(config: AutomationConfig, env: NodeJS.ProcessEnv, log: ActivityLog, notifier: Notifier, now: Date, periodMs = WEEK_MS): Promise<{ report: StatusReport; statuses: DeliveryStatus[] }> {
  const report = await collectReport(await reportSubjects(config, env), log, new Date(now.getTime() - periodMs), now);
  const statuses = await notifier.send({
    type: 'report',
    title: `Lifeboat weekly status: ${report.overall.state.toUpperCase()}`,
    text: reportSummary(report),
    profile: null,
    at: now.toISOString(),
    details: { state: report.overall.state, backups: report.overall.backupsInPeriod, failures: report.overall.failuresInPeriod, since: report.since, until: report.until },
  });
  return { report, statuses };
}
