import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import { BackupHistoryPanel } from '../../renderer/src/components/BackupHistoryPanel.js';
import { useSchedules } from '../../renderer/src/stores/schedules-store.js';
import { connectFake, TARGET } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
let n = 0;
function entry(kind: 'backup' | 'verify', startedAt: string, outcome: 'success' | 'failure' | 'cancelled', extra: Partial<ActivityEntry> = {}): ActivityEntry {
  return { id: `e${n++}`, kind, outcome, profile: 't1', startedAt, endedAt: startedAt, durationMs: 90_000, bytes: 2 * 1024 ** 3, storage: null, key: null, summary: '', error: null, details: {}, ...extra };
}

describe('a database’s last 90 days', () => {
  it('charts sizes and durations, marks failures by shape, and gives the same numbers as text and a table', async () => {
    const backups = [
      // Started after the screen last rendered its clock: still counted.
      entry('backup', '2026-11-25T12:30:00.000Z', 'cancelled', { bytes: null }),
      entry('backup', '2026-11-24T03:00:00.000Z', 'success', { bytes: 3 * 1024 ** 3, durationMs: 200_000 }),
      entry('backup', '2026-11-23T03:00:00.000Z', 'failure', { bytes: null, error: { code: 'STORAGE_THROTTLED', message: 'The storage is throttling requests.' } }),
      entry('backup', '2026-11-22T03:00:00.000Z', 'success'),
      // Older than 90 days: not in the picture.
      entry('backup', '2026-08-01T03:00:00.000Z', 'success'),
    ];
    const verifies = [entry('verify', '2026-11-24T04:00:00.000Z', 'success')];
    const c = connectFake({ 'activity.list': (req) => (req.kind === 'verify' ? verifies : backups) });
    disconnect = c.disconnect;
    useSchedules.setState({ runs: [{ targetId: 't1', at: '2026-11-26T03:00:00.000Z' }, { targetId: 't2', at: '2026-11-25T13:00:00.000Z' }] });
    render(<BackupHistoryPanel target={TARGET} now={NOW} />);

    const facts = await screen.findByRole('list', { name: 'Summary of the last 90 days' });
    expect(facts.textContent).toContain('2 backups, 1 failed');
    expect(facts.textContent).toContain('typical size 2.5 GiB');
    expect(facts.textContent).toContain('verifications: 1 passed, 0 failed (last passed 2026-11-24 04:00:00 UTC)');
    expect(facts.textContent).toContain('next scheduled run: 2026-11-26 03:00:00 UTC');

    expect(screen.getByRole('img', { name: 'Size: largest 3.0 GiB over 2 successful backups, 2 failed or cancelled' })).toBeTruthy();
    expect(screen.getByRole('img', { name: /^Duration: largest 3m 20s over 2 successful backups/ })).toBeTruthy();
    expect(screen.getAllByText('2026-11-23 03:00 UTC: failure — The storage is throttling requests.')).toHaveLength(2);

    await userEvent.click(screen.getByText('Show as a table'));
    const table = screen.getByRole('table', { name: 'Backups of shop in the last 90 days, oldest first' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      '2026-11-22 03:00:00 UTC' + 'succeeded' + '2.0 GiB' + '1m 30s' + '—',
      '2026-11-23 03:00:00 UTC' + 'failure: The storage is throttling requests.' + '—' + '1m 30s' + '—',
      '2026-11-24 03:00:00 UTC' + 'succeeded' + '3.0 GiB' + '3m 20s' + '—',
      '2026-11-25 12:30:00 UTC' + 'cancelled' + '—' + '1m 30s' + '—',
    ]);
  });

  it('says when there is nothing yet, and when the log cannot be read', async () => {
    let c = connectFake({});
    render(<BackupHistoryPanel target={TARGET} now={NOW} />);
    expect((await screen.findByRole('list', { name: 'Summary of the last 90 days' })).textContent).toContain('0 backups');
    expect(screen.queryByRole('img')).toBeNull();
    c.disconnect();
    document.body.innerHTML = '';
    c = connectFake({ 'activity.list': () => ({ error: { code: 'ACTIVITY_LOG_DAMAGED', message: 'The activity log is damaged.' } }) });
    disconnect = c.disconnect;
    render(<BackupHistoryPanel target={TARGET} now={NOW} />);
    expect(await screen.findByText('The history could not be read: The activity log is damaged.')).toBeTruthy();
  });
});
