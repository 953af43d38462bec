import type { Command } from 'commander';
import { webhookSchema } from '../../../shared/schedule.js';
import { timingProblem } from '../../../shared/schedule-slots.js';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { LifeboatError } from '../../engine/errors.js';
import { Notifier } from '../../engine/notify/notifier.js';
import { automationConfigPath, loadAutomationConfig, updateAutomationConfig } from '../../engine/scheduler/automation-config.js';
import { printJson } from '../output.js';

const EVENTS = ['failure', 'success', 'report', 'test'] as const;

export function registerNotify(program: Command): void {
  const cmd = program.command('notify').description('Notifications: webhooks (JSON or Slack), Sentry, and a test');

  cmd
    .command('add-webhook <name>')
    .description('Send notifications to a webhook whose URL is in an environment variable (URLs carry tokens)')
    .requiredOption('--url-env <VAR>', 'environment variable holding the webhook URL')
    .option('--kind <kind>', 'json (generic POST) or slack (Slack-compatible message)', 'json')
    .option('--on <events>', `comma-separated: ${EVENTS.join(',')}`, 'failure,report,test')
    .action(async (name: string, o: { urlEnv: string; kind: string; on: string }) => {
      if (o.kind !== 'json' && o.kind !== 'slack') throw new LifeboatError('BAD_INPUT', `Unknown webhook kind "${o.kind}"; use json or slack.`);
      const events = o.on.split(',').map((e) => e.trim()).filter(Boolean);
      const bad = events.find((e) => !(EVENTS as readonly string[]).includes(e));
      if (bad) throw new LifeboatError('BAD_INPUT', `Unknown event "${bad}"; use some of ${EVENTS.join(', ')}.`);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.urlEnv)) throw new LifeboatError('BAD_INPUT', `--url-env wants the name of an environment variable (like SLACK_WEBHOOK_URL), not "${o.urlEnv}".`);
      await updateAutomationConfig(automationConfigPath(), (config) => {
        const hook = webhookSchema.parse({ name, kind: o.kind, urlEnv: o.urlEnv, events });
        config.notifications.webhooks = [...config.notifications.webhooks.filter((w) => w.name !== name), hook];
      });
      process.stdout.write(`Webhook "${name}" (${o.kind}) gets ${events.join(', ')} notifications; its URL is read from $${o.urlEnv}.\n`);
    });

  cmd
    .command('remove-webhook <name>')
    .action(async (name: string) => {
      await updateAutomationConfig(automationConfigPath(), (config) => {
        if (!config.notifications.webhooks.some((w) => w.name === name)) throw new LifeboatError('NOT_FOUND', `There is no webhook named "${name}"; \`lifeboat notify list\` shows them.`);
        config.notifications.webhooks = config.notifications.webhooks.filter((w) => w.name !== name);
      });
      process.stdout.write(`Removed webhook "${name}".\n`);
    });

  cmd
    .command('sentry')
    .description('Send failures to Sentry; the DSN is read from an environment variable (default SENTRY_DSN)')
    .option('--dsn-env <VAR>', 'environment variable holding the DSN', 'SENTRY_DSN')
    .option('--off', 'stop sending to Sentry')
    .action(async (o: { dsnEnv: string; off?: boolean }) => {
      await updateAutomationConfig(automationConfigPath(), (config) => {
        config.notifications.sentryDsnEnv = o.off ? null : o.dsnEnv;
      });
      process.stdout.write(o.off ? 'Sentry notifications are off.\n' : `Failures go to Sentry; the DSN is read from $${o.dsnEnv}.\n`);
    });

  cmd
    .command('weekly-report')
    .description('Have `lifeboat scheduler run` (and the app) send the status report to webhooks that take reports')
    .option('--cron <expression>', 'when, as a cron expression (local time)', '0 8 * * 1')
    .option('--off', 'stop sending it')
    .action(async (o: { cron: string; off?: boolean }) => {
      const problem = o.off ? null : timingProblem({ when: { cron: o.cron }, timezone: null });
      if (problem) throw new LifeboatError('BAD_INPUT', `The report time cannot be used: ${problem}.`);
      await updateAutomationConfig(automationConfigPath(), (config) => {
        config.notifications.reportCron = o.off ? null : o.cron;
      });
      process.stdout.write(o.off ? 'The status report is no longer sent.\n' : `The status report is sent on cron "${o.cron}" to webhooks that take reports.\n`);
    });

  cmd
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const n = (await loadAutomationConfig(automationConfigPath())).notifications;
      if (o.json) return printJson(n);
      if (n.webhooks.length === 0 && !n.sentryDsnEnv) return void process.stdout.write('No notifications configured. Add one with `lifeboat notify add-webhook NAME --url-env VAR`.\n');
      for (const w of n.webhooks) process.stdout.write(`${w.name}: ${w.kind} webhook, URL from $${w.urlEnv}${process.env[w.urlEnv] ? '' : ' (NOT SET here)'}, events ${w.events.join(', ')}\n`);
      if (n.sentryDsnEnv) process.stdout.write(`sentry: DSN from $${n.sentryDsnEnv}${process.env[n.sentryDsnEnv] ? '' : ' (NOT SET here)'}\n`);
    });

  cmd
    .command('test')
    .description('Send a test notification to every channel and show how each delivery went')
    .option('--json', 'print the delivery statuses as JSON')
    .action(async (o: { json?: boolean }) => {
      const settings = (await loadAutomationConfig(automationConfigPath())).notifications;
      if (settings.webhooks.length === 0 && !settings.sentryDsnEnv) {
        throw new LifeboatError('BAD_INPUT', 'No channel is set up to test; add a webhook with `lifeboat notify add-webhook` or Sentry with `lifeboat notify sentry`.');
      }
      const notifier = new Notifier({ settings, env: process.env, log: ActivityLog.forEnv() });
      const statuses = await notifier.send({ type: 'test', title: 'Lifeboat test notification', text: 'If you can read this, Lifeboat can reach this channel.', profile: null, at: new Date().toISOString(), details: {} });
      if (o.json) printJson(statuses);
      else for (const s of statuses) process.stdout.write(`${s.channel} (${s.kind}): ${s.ok ? 'delivered' : `FAILED — ${s.error ?? ''}`} after ${s.attempts} attempt(s)${s.status ? `, HTTP ${s.status}` : ''}\n`);
      if (statuses.some((s) => !s.ok)) {
        const failed = statuses.filter((s) => !s.ok).map((s) => s.channel);
        throw new LifeboatError('NOTIFY_FAILED', `The test notification did not reach ${failed.join(', ')}; see above.`);
      }
    });
}
