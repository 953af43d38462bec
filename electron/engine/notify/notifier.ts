import { genericWebhookBody, slackWebhookBody, type DeliveryStatus, type LifeboatNotification } from '../../../shared/notification.js';
import type { NotificationSettings, Webhook } from '../../../shared/schedule.js';
import type { NewActivity } from '../activity/activity-log.js';
import { sleep, systemClock, type Clock } from '../scheduler/clock.js';
import { parseSentryDsn, sentryEnvelope } from './sentry.js';

export type { DeliveryStatus };

export interface NotifierOptions {
  settings: NotificationSettings;
  env: NodeJS.ProcessEnv;
  log?: { append(e: NewActivity): Promise<unknown> } | undefined;
  clock?: Clock;
  /** The desktop app's hook: shows a system notification (Electron's Notification) for this event. */
  desktop?: ((n: LifeboatNotification) => void) | undefined;
  timeoutMs?: number;
}

/**
 * Delivers notifications to every subscribed webhook (and Sentry for failures; a test to every channel), retrying with
 * doubling delays, and records each delivery's status in the activity log. URLs come from the
 * environment variables the settings name, so no token is ever stored or logged.
 */
export class Notifier {
  constructor(private readonly opts: NotifierOptions) {}

  async send(n: LifeboatNotification): Promise<DeliveryStatus[]> {
    const { settings } = this.opts;
    if (this.opts.desktop && (n.type === 'failure' || n.type === 'test' || (n.type === 'success' && settings.desktopOnSuccess))) {
      try {
        this.opts.desktop(n);
      } catch {
        /* the app's problem, not the delivery's */
      }
    }
    // A test goes to every channel, whatever it is subscribed to: it checks the channel, not the subscription.
    const deliveries: Promise<DeliveryStatus>[] = settings.webhooks.filter((w) => n.type === 'test' || w.events.includes(n.type)).map((w) => this.deliverWebhook(w, n));
    if (settings.sentryDsnEnv && (n.type === 'failure' || n.type === 'test')) deliveries.push(this.deliverSentry(settings.sentryDsnEnv, n));
    return Promise.all(deliveries);
  }

  private async deliverWebhook(w: Webhook, n: LifeboatNotification): Promise<DeliveryStatus> {
    const url = this.opts.env[w.urlEnv];
    if (!url) return this.record(n, { channel: w.name, kind: w.kind, ok: false, attempts: 0, status: null, error: `the environment variable ${w.urlEnv} that should hold its URL is not set` });
    const body = JSON.stringify(w.kind === 'slack' ? slackWebhookBody(n) : genericWebhookBody(n));
    return this.record(n, await this.post(w.name, w.kind, url, body, { 'content-type': 'application/json', 'user-agent': 'lifeboat' }));
  }

  private async deliverSentry(envName: string, n: LifeboatNotification): Promise<DeliveryStatus> {
    const dsn = this.opts.env[envName];
    if (!dsn) return this.record(n, { channel: 'sentry', kind: 'sentry', ok: false, attempts: 0, status: null, error: `the environment variable ${envName} that should hold the Sentry DSN is not set` });
    let target;
    try {
      target = parseSentryDsn(dsn);
    } catch (e) {
      return this.record(n, { channel: 'sentry', kind: 'sentry', ok: false, attempts: 0, status: null, error: (e as Error).message });
    }
    const env = sentryEnvelope(n, target, (this.opts.clock ?? systemClock).now());
    return this.record(n, await this.post('sentry', 'sentry', target.envelopeUrl, env.body, env.headers));
  }

  private async post(channel: string, kind: DeliveryStatus['kind'], url: string, body: string, headers: Record<string, string>): Promise<DeliveryStatus> {
    const retries = this.opts.settings.retries;
    let status: number | null = null;
    let error: string | null = null;
    let attempts = 0;
    for (let attempt = 0; attempt <= retries; attempt++) {
      attempts++;
      try {
        const r = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000), redirect: 'error' });
        status = r.status;
        await r.arrayBuffer().catch(() => undefined);
        if (r.ok) return { channel, kind, ok: true, attempts, status, error: null };
        error = `HTTP ${r.status}`;
        // 4xx other than 408/429 will not get better by retrying.
        if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) break;
      } catch (e) {
        status = null;
        // The message of a fetch failure can hold the URL, and webhook URLs hold tokens: keep only the cause.
        const c = (e as { cause?: { code?: string; message?: string } }).cause;
        const cause = c?.code ?? (c?.message && !c.message.includes('://') ? c.message : undefined);
        error = (e as Error).name === 'TimeoutError' ? 'timed out' : `could not connect${cause ? ` (${cause})` : ''}`;
      }
      if (attempt < retries) await sleep(this.opts.clock ?? systemClock, this.opts.settings.retryDelaySeconds * 1000 * 2 ** attempt);
    }
    return { channel, kind, ok: false, attempts, status, error };
  }

  private async record(n: LifeboatNotification, d: DeliveryStatus): Promise<DeliveryStatus> {
    const at = new Date().toISOString();
    await this.opts.log
      ?.append({
        kind: 'notification',
        outcome: d.ok ? 'success' : 'failure',
        profile: n.profile,
        startedAt: at,
        endedAt: at,
        bytes: null,
        storage: null,
        key: null,
        summary: `${d.ok ? 'Delivered' : 'Could not deliver'} the ${n.type} notification "${n.title}" to ${d.channel} (${d.kind}) after ${d.attempts} attempt(s)`,
        error: d.ok ? null : { code: 'NOTIFY_FAILED', message: `Delivery to ${d.channel} failed: ${d.error ?? 'unknown error'}.` },
        details: { channel: d.channel, channelKind: d.kind, attempts: d.attempts, status: d.status, event: n.type },
      })
      .catch(() => undefined);
    return d;
  }
}
