import { describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import type { BackupEntry } from '../../shared/backup-entry.js';
import { renderReportHtml, sizeChartSvg } from '../../shared/report-html.js';
import { buildStatusReport } from '../../shared/report.js';

const until = new Date('2026-11-25T12:00:00Z');
const since = new Date('2026-11-18T12:00:00Z');

function backup(at: string, size: number, extra: Partial<BackupEntry> = {}): BackupEntry {
  return { key: `database_backups/x/${at}.dump`, dbName: 'shop', createdAt: at, format: 'custom', encrypted: false, sizeBytes: size, hasManifest: true, label: null, pinned: false, sha256: null, ...extra };
}

function act(kind: ActivityEntry['kind'], outcome: ActivityEntry['outcome'], at: string, extra: Partial<ActivityEntry> = {}): ActivityEntry {
  return { id: at, kind, outcome, profile: 'shop', startedAt: at, endedAt: at, durationMs: 0, bytes: null, storage: null, key: null, summary: '', error: null, details: {}, ...extra };
}

describe('status report', () => {
  it('counts backups and failures in the period, the age of the last success, verification and retention', () => {
    const r = buildStatusReport(
      [
        {
          name: 'shop',
          storage: 's3://b/database_backups',
          backups: [backup('2026-11-10T03:00:00.000Z', 100, { pinned: true }), backup('2026-11-20T03:00:00.000Z', 200), backup('2026-11-25T03:00:00.000Z', 300)],
          activity: [
            act('backup', 'failure', '2026-11-21T03:00:00.000Z', { error: { code: 'PG_UNREACHABLE', message: 'down' } }),
            act('backup', 'failure', '2026-11-01T03:00:00.000Z'),
            act('verify', 'success', '2026-11-22T03:05:00.000Z', { key: 'k' }),
            act('prune', 'success', '2026-11-22T03:06:00.000Z', { details: { deleted: 4 } }),
            act('prune', 'info', '2026-11-22T03:07:00.000Z', { details: { deleted: 0 } }),
          ],
        },
        { name: 'crm', storage: 'file:///x', backups: [backup('2026-11-01T03:00:00.000Z', 50)], activity: [] },
      ],
      since,
      until,
    );
    const shop = r.profiles[0]!;
    expect(shop).toMatchObject({ state: 'warning', backupsInPeriod: 2, bytesInPeriod: 500, failuresInPeriod: 1, lastSuccessAgeHours: 9, retention: { runs: 1, deleted: 4 }, totalBackups: 3, pinned: 1 });
    expect(shop.sizes).toEqual([{ at: '2026-11-20T03:00:00.000Z', bytes: 200 }, { at: '2026-11-25T03:00:00.000Z', bytes: 300 }]);
    expect(shop.verification).toMatchObject({ outcome: 'success', key: 'k' });
    expect(r.profiles[1]).toMatchObject({ state: 'failing', problems: ['the last successful backup is 585 hours old', 'never verified'] });
    expect(r.overall).toMatchObject({ state: 'failing', backupsInPeriod: 2, failuresInPeriod: 1, profiles: 2 });
  });

  it('takes the newer of the logged verification and the verify record stored beside the backup', () => {
    const base = { name: 'shop', storage: 's3://b', backups: [backup('2026-11-25T03:00:00.000Z', 10)] };
    const logged = act('verify', 'success', '2026-11-20T03:00:00.000Z', { key: 'old' });
    const failedRecord = { at: '2026-11-25T04:00:00.000Z', outcome: 'failure' as const, key: 'new', message: 'SHA-256 differs' };
    const r1 = buildStatusReport([{ ...base, activity: [logged], verifyRecord: failedRecord }], since, until).profiles[0]!;
    expect(r1).toMatchObject({ state: 'failing', verification: { outcome: 'failure', key: 'new', message: 'SHA-256 differs' } });
    const r2 = buildStatusReport([{ ...base, activity: [act('verify', 'success', '2026-11-25T05:00:00.000Z', { key: 'newer' })], verifyRecord: failedRecord }], since, until).profiles[0]!;
    expect(r2).toMatchObject({ state: 'ok', verification: { outcome: 'success', key: 'newer' } });
  });

  it('renders self-contained HTML with an inline SVG chart and escaped names', () => {
    const r = buildStatusReport([{ name: '<script>alert(1)</script>', storage: 's3://b', backups: [backup('2026-11-20T03:00:00.000Z', 2048)], activity: [] }], since, until);
    const html = renderReportHtml(r);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toMatch(/<svg [^>]*aria-label="Backup sizes over the period"/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(sizeChartSvg([], 'a', 'b')).toContain('No backups in the period');
    const svg = sizeChartSvg([{ at: '2026-11-18T12:00:00.000Z', bytes: 1 }, { at: '2026-11-25T12:00:00.000Z', bytes: 2 }], since.toISOString(), until.toISOString(), 200, 100);
    const bars = [...svg.matchAll(/<rect x="([\d.]+)" [^>]*height="(\d+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    // Heights scale with size; bars sit at their time: first at the left edge, last at the right.
    expect(bars).toEqual([[24, 26], [200 - 24 - 24, 52]]);
  });
});
