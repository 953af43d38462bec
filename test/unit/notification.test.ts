import { describe, expect, it } from 'vitest';
import { parseSentryDsn, sentryEnvelope } from '../../electron/engine/notify/sentry.js';
import { notificationFor } from '../../electron/engine/scheduler/scheduler-host.js';
import { genericWebhookBody, slackWebhookBody } from '../../shared/notification.js';

describe('notifications', () => {
  it('turns a Sentry DSN into its envelope endpoint, and rejects a DSN without key', () => {
    expect(parseSentryDsn('https://abc123@o1.ingest.sentry.io/4501')).toMatchObject({ envelopeUrl: 'https://o1.ingest.sentry.io/api/4501/envelope/', publicKey: 'abc123' });
    expect(parseSentryDsn('http://k@localhost:9000/sub/7').envelopeUrl).toBe('http://localhost:9000/sub/api/7/envelope/');
    expect(() => parseSentryDsn('https://sentry.io/1')).toThrow(/must look like https:\/\/KEY@HOST\/PROJECT/);
  });

  it('builds a Sentry envelope: header, item header with the length, event', () => {
    const t = parseSentryDsn('https://abc@sentry.example/1');
    const n = { type: 'failure' as const, title: 'Backup failed: shop', text: 'boom', profile: 'shop', at: '2026-11-25T00:00:00Z', details: { attempts: 3 } };
    const e = sentryEnvelope(n, t, new Date('2026-11-25T00:00:00Z'));
    const [h, i, ev] = e.body.trim().split('\n');
    expect(JSON.parse(i!)).toEqual({ type: 'event', length: Buffer.byteLength(ev!) });
    expect((JSON.parse(h!) as { event_id: string }).event_id).toBe((JSON.parse(ev!) as { event_id: string }).event_id);
    expect(JSON.parse(ev!)).toMatchObject({ level: 'error', tags: { event: 'failure', profile: 'shop' }, extra: { attempts: 3 } });
    expect(e.headers['x-sentry-auth']).toMatch(/^Sentry sentry_version=7, sentry_key=abc, sentry_client=lifeboat\//);
  });

  it('maps scheduler events: failures always, cancelled never, failed verification as a failure', () => {
    const at = new Date('2026-11-25T00:00:00Z');
    expect(notificationFor({ type: 'run-finished', schedule: 's', outcome: 'cancelled', key: null, error: null, attempts: 1 }, at)).toBeNull();
    expect(notificationFor({ type: 'run-finished', schedule: 's', outcome: 'failure', key: null, error: 'down', attempts: 4 }, at)).toMatchObject({ type: 'failure', title: 'Backup failed: s', text: 'The scheduled backup failed after 4 attempt(s): down' });
    expect(notificationFor({ type: 'verify-finished', schedule: 's', ok: false, key: 'k', error: 'mismatch' }, at)).toMatchObject({ type: 'failure', title: 'Verification failed: s' });
    expect(notificationFor({ type: 'verify-finished', schedule: 's', ok: true, key: 'k', error: null }, at)).toBeNull();
  });

  it('notifies a backup that is only partly copied like a failure, naming the copies that failed', () => {
    const at = new Date('2026-11-25T00:00:00Z');
    const text = 'Partly copied: 2 of 3 places hold the backup; the copy to s3://third/db at http://x failed (timed out).';
    const n = notificationFor({ type: 'run-finished', schedule: 's', outcome: 'success', key: 'k', error: null, attempts: 1, partlyCopied: { text, failed: ['s3://third/db at http://x'] } }, at);
    expect(n).toEqual({
      type: 'failure',
      title: 'Backup partly copied: s',
      text: `The scheduled backup stored k, but not in every place: ${text}`,
      profile: 's',
      at: at.toISOString(),
      details: { attempts: 1, key: 'k', partlyCopied: true, failedCopies: 's3://third/db at http://x' },
    });
    // A full success stays a success (sent only to those who asked for successes).
    expect(notificationFor({ type: 'run-finished', schedule: 's', outcome: 'success', key: 'k', error: null, attempts: 1, partlyCopied: null }, at)).toMatchObject({ type: 'success' });
  });

  it('formats generic JSON and Slack bodies', () => {
    const n = { type: 'failure' as const, title: 'T', text: 'x', profile: null, at: 'a', details: { key: null, attempts: 2 } };
    expect(genericWebhookBody(n)).toEqual({ source: 'lifeboat', version: 1, event: 'failure', title: 'T', text: 'x', profile: null, at: 'a', details: { key: null, attempts: 2 } });
    expect(JSON.stringify(slackWebhookBody(n))).toContain('*attempts*: 2');
    expect(JSON.stringify(slackWebhookBody(n))).not.toContain('*key*');
  });
});
