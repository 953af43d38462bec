// What Lifeboat tells people about: a failed (or, optionally, successful) scheduled backup or
// verification, the weekly report, and a test. Webhooks receive it as generic JSON or as a
// Slack-compatible message; the desktop app shows failures as system notifications.

export type NotificationType = 'failure' | 'success' | 'report' | 'test';

export interface LifeboatNotification {
  type: NotificationType;
  title: string;
  text: string;
  profile: string | null;
  at: string;
  details: Record<string, string | number | boolean | null>;
}

/** The generic JSON body: the notification as it is, with a version for receivers. */
export function genericWebhookBody(n: LifeboatNotification): unknown {
  return { source: 'lifeboat', version: 1, event: n.type, title: n.title, text: n.text, profile: n.profile, at: n.at, details: n.details };
}

/** A Slack incoming-webhook message (also accepted by Mattermost, Rocket.Chat and Discord's /slack endpoint). */
export function slackWebhookBody(n: LifeboatNotification): unknown {
  const icon = n.type === 'failure' ? ':red_circle:' : n.type === 'success' ? ':large_green_circle:' : ':information_source:';
  const fields = Object.entries(n.details)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `*${k}*: ${String(v)}`)
    .join('\n');
  return {
    text: `${icon} ${n.title}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} *${n.title}*\n${n.text}` } },
      ...(fields ? [{ type: 'section', text: { type: 'mrkdwn', text: fields } }] : []),
    ],
  };
}

/** How one channel took a notification: what the engine records and the app shows. */
export interface DeliveryStatus {
  channel: string;
  kind: 'json' | 'slack' | 'sentry';
  ok: boolean;
  attempts: number;
  /** HTTP status of the last attempt, null when it never got an answer. */
  status: number | null;
  error: string | null;
}
