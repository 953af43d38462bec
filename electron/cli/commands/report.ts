import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { renderReportHtml } from '../../../shared/report-html.js';
import { reportSummary } from '../../../shared/report.js';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { LifeboatError } from '../../engine/errors.js';
import { Notifier } from '../../engine/notify/notifier.js';
import { collectReport, reportSubjects } from '../../engine/report/collect-report.js';
import { sendStatusReport } from '../../engine/report/send-report.js';
import { automationConfigPath, loadAutomationConfig } from '../../engine/scheduler/automation-config.js';
import { printJson } from '../output.js';
import { parseSince } from '../since.js';

interface ReportOptions {
  since: string;
  to?: string;
  html?: string;
  json?: boolean;
  send?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Status report per schedule and overall: backups, failures, last success, sizes, verification, retention')
    .option('--since <when>', 'start of the period: a date or a duration like 7d', '7d')
    .option('--to <storage-url>', 'report on this storage instead of the schedules')
    .option('--html <file>', 'also write a self-contained HTML file')
    .option('--json', 'print the report as JSON')
    .option('--send', 'send the summary to the webhooks that receive reports')
    .action(async (o: ReportOptions) => {
      const now = new Date();
      const since = parseSince(o.since, now);
      if (since > now) throw new LifeboatError('BAD_INPUT', `--since ${o.since} is in the future; give a past date or a duration like 7d.`);
      const config = await loadAutomationConfig(automationConfigPath());
      const log = ActivityLog.forEnv();
      const report = await collectReport(await reportSubjects(config, process.env, o.to), log, since, now);
      if (o.html) await writeFile(o.html, renderReportHtml(report), { mode: 0o600 });
      if (o.json) printJson(report);
      else process.stdout.write(`${reportSummary(report)}\n${o.html ? `HTML report written to ${o.html}.\n` : ''}`);
      if (o.send) {
        const notifier = new Notifier({ settings: config.notifications, env: process.env, log });
        const { statuses } = await sendStatusReport(config, process.env, log, notifier, now, now.getTime() - since.getTime());
        if (statuses.length === 0) throw new LifeboatError('BAD_INPUT', 'No webhook receives reports; add one with `lifeboat notify add-webhook NAME --url-env VAR --on report`.');
        const failed = statuses.filter((s) => !s.ok);
        if (failed.length > 0) throw new LifeboatError('NOTIFY_FAILED', `The report did not reach ${failed.map((s) => `${s.channel} (${s.error ?? ''})`).join(', ')}.`);
        if (!o.json) process.stdout.write(`Sent to ${statuses.map((s) => s.channel).join(', ')}.\n`);
      }
    });
}
