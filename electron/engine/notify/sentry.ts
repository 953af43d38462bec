import { randomUUID } from 'node:crypto';
import type { LifeboatNotification } from '../../../shared/notification.js';
import { LifeboatError } from '../errors.js';
import { lifeboatVersion } from '../version.js';

export interface SentryTarget {
  envelopeUrl: string;
  publicKey: string;
  dsn: string;
}

/** https://<key>@<host>/<project> → the project's envelope endpoint (no SDK needed for one event). */
export function parseSentryDsn(dsn: string): SentryTarget {
  let u: URL;
  try {
    u = new URL(dsn);
  } catch {
    throw new LifeboatError('BAD_INPUT', 'The Sentry DSN is not a URL; copy it from Sentry’s project settings (Client Keys).');
  }
  const project = u.pathname.split('/').filter(Boolean).pop();
  if (!u.username || !project || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
    throw new LifeboatError('BAD_INPUT', 'The Sentry DSN must look like https://KEY@HOST/PROJECT; copy it from Sentry’s project settings (Client Keys).');
  }
  const base = u.pathname.split('/').filter(Boolean).slice(0, -1).join('/');
  return { envelopeUrl: `${u.protocol}//${u.host}/${base ? `${base}/` : ''}api/${project}/envelope/`, publicKey: u.username, dsn };
}

export function sentryEnvelope(n: LifeboatNotification, t: SentryTarget, now: Date): { body: string; headers: Record<string, string> } {
  const eventId = randomUUID().replace(/-/g, '');
  const event = {
    event_id: eventId,
    timestamp: now.getTime() / 1000,
    platform: 'node',
    level: n.type === 'failure' ? 'error' : 'info',
    logger: 'lifeboat',
    message: { formatted: `${n.title}: ${n.text}` },
    tags: { event: n.type, ...(n.profile ? { profile: n.profile } : {}) },
    extra: n.details,
    release: `lifeboat@${lifeboatVersion()}`,
  };
  const header = { event_id: eventId, sent_at: now.toISOString(), dsn: t.dsn };
  const item = JSON.stringify(event);
  return {
    body: `${JSON.stringify(header)}\n${JSON.stringify({ type: 'event', length: Buffer.byteLength(item) })}\n${item}\n`,
    headers: {
      'content-type': 'application/x-sentry-envelope',
      'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${t.publicKey}, sentry_client=lifeboat/${lifeboatVersion()}`,
    },
  };
}
