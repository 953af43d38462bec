// Drills in the app: the Log & report chart of recovery times (target line, over-target and failed
// drills by shape, a table for screen readers, a warning) and the calendar's marks for drilled
// backups (in the day cell's label and the day's backup list), and the 90-day panel's drill facts.
import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import { drillPointsOf, summarizeDrills } from '../../shared/drill.js';
import { App } from '../../renderer/src/App.js';
import { BackupHistoryPanel } from '../../renderer/src/components/BackupHistoryPanel.js';
import { DrillHistory } from '../../renderer/src/components/DrillHistory.js';
import { backup, connectFake, TARGET } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const MIN = 60_000;
function drill(at: string, key: string, details: ActivityEntry['details'], over: Partial<ActivityEntry> = {}): ActivityEntry {
  return { id: at, kind: 'verify', outcome: 'success', profile: 't1', startedAt: at, endedAt: at, durationMs: 0, bytes: null, storage: null, key, summary: '', error: null, details: { drill: true, depth: 'deep', server: '127.0.0.1:5432', ...details }, ...over };
}

const drills = [
  drill('2026-11-22T03:10:00.000Z', 'database_backups/2026/11/22/shop_20261122_030000.dump', { recoveryMs: 8 * MIN }),
  drill('2026-11-23T03:10:00.000Z', 'database_backups/2026/11/23/shop_20261123_030000.dump', {}, { outcome: 'failure', error: { code: 'PG_UNREACHABLE', message: 'Cannot reach 127.0.0.1:1.' } }),
  drill('2026-11-24T03:10:00.000Z', 'database_backups/2026/11/24/shop_20261124_030000.dump', { recoveryMs: 20 * MIN, overTarget: true, targetMs: 15 * MIN }),
];

describe('restore drills in the app', () => {
  it('Log & report: recovery times as a chart with the target, failures and over-target drills by shape, a warning and a table', async () => {
    const { container } = render(<DrillHistory name="shop" drills={summarizeDrills(drillPointsOf(drills), 15 * MIN)} />);
    const section = screen.getByRole('region', { name: 'Restore drills of shop' });
    expect(section.textContent).toContain('Restore drills: last 3, typical recovery 14m 0s, trend slower, target 15m.');
    expect(screen.getByRole('alert').textContent).toBe('Warning: the last restore drill (2026-11-24) took 20m 0s, over the 15m target.');
    expect(screen.getByRole('img', { name: 'Recovery time: largest 20m 0s over 2 successful drills, 1 failed or cancelled; target 15m 0s, 1 over it' })).toBeTruthy();
    // Shapes, not only colour: the target is a dashed line, an over-target bar carries a circle, a failed drill is a triangle.
    expect(container.querySelectorAll('line.history-chart-limit')).toHaveLength(1);
    expect(container.querySelectorAll('circle.history-chart-over')).toHaveLength(1);
    expect(container.querySelectorAll('path.history-chart-failed')).toHaveLength(1);
    await userEvent.click(screen.getByText('Show drills as a table'));
    const rows = within(screen.getByRole('table', { name: 'Restore drills of shop, oldest first' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => [...r.querySelectorAll('td')].slice(0, 4).map((c) => c.textContent))).toEqual([
      ['2026-11-22 03:10:00 UTC', 'passed', '8m 0s', '127.0.0.1:5432'],
      ['2026-11-23 03:10:00 UTC', 'failed: Cannot reach 127.0.0.1:1.', '—', '127.0.0.1:5432'],
      ['2026-11-24 03:10:00 UTC', 'passed', '20m 0s (over target)', '127.0.0.1:5432'],
    ]);
  });

  it('says how to get drills when there are none', () => {
    render(<DrillHistory name="shop" drills={summarizeDrills([], null)} />);
    expect(screen.getByText(/No restore drills yet/)).toBeTruthy();
  });

  it('the calendar marks drilled backups in the day cell’s label and in the day’s list', async () => {
    const listing = [
      backup('2026-11-25T03:00:00.000Z', { verification: { outcome: 'passed', verifiedAt: '2026-11-25T04:00:00.000Z', depth: 'deep', problem: null, drill: { recoveryMs: 20 * MIN, overTarget: true } } }),
      backup('2026-11-25T09:00:00.000Z', { verification: { outcome: 'passed', verifiedAt: '2026-11-25T10:00:00.000Z', depth: 'quick', problem: null, drill: null } }),
    ];
    const c = connectFake({ 'backups.list': () => ({ targetId: 't1', storage: 's3://backups/database_backups', backups: listing, listedAt: '2026-11-25T12:00:00.000Z' }) });
    disconnect = c.disconnect;
    render(<App />);
    const grid = await screen.findByRole('grid', { name: 'Backups in November 2026' });
    const day = await within(grid).findByRole('gridcell', { name: '25 November 2026: 2 backups, 2 verified, 1 restore-drilled' });
    expect(day.querySelector('.badge.drilled')?.textContent).toBe('⟲ 1');
    await userEvent.click(day);
    const table = screen.getByRole('table', { name: 'Backups on 25 November 2026' });
    expect(within(table).getAllByRole('img', { name: /^restore drill/ }).map((m) => m.getAttribute('aria-label'))).toEqual(['restore drill: recovered in 20m 0s, over the recovery-time target']);
  });

  it('the 90-day panel counts drills and shows each backup’s drill in its table', async () => {
    const backups = drills.map((d) => ({ ...d, id: `b-${d.id}`, kind: 'backup' as const, outcome: 'success' as const, startedAt: d.startedAt.replace('03:10', '03:00'), bytes: 1024, durationMs: 30_000, details: {}, error: null }));
    const c = connectFake({ 'activity.list': (req) => (req.kind === 'verify' ? drills : backups) });
    disconnect = c.disconnect;
    render(<BackupHistoryPanel target={TARGET} now={Date.parse('2026-11-25T12:00:00.000Z')} />);
    const facts = await screen.findByRole('list', { name: 'Summary of the last 90 days' });
    expect(facts.textContent).toContain('restore drills: 2 passed, 1 failed (last recovered in 20m 0s, over the target, 2026-11-24 03:10:00 UTC)');
    await userEvent.click(screen.getByText('Show as a table'));
    const rows = within(screen.getByRole('table', { name: /^Backups of shop/ })).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.querySelectorAll('td')[4]?.textContent)).toEqual(['8m 0s ⟲', 'failed: Cannot reach 127.0.0.1:1.', '20m 0s ⟲!']);
  });
});
