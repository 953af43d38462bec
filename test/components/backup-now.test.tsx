import { act, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobView } from '../../shared/ipc-contract.js';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { connectFake } from './fake-bridge.js';

let disconnect = () => undefined as void;
// The screen's own lines (toasts outside main say the same thing again).
const main = () => within(screen.getByRole('main'));
// The screen's elapsed time is the clock's minus the job's start: the clock is fixed, 5 s after it.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-25T12:00:05.000Z'));
});
afterEach(() => {
  disconnect();
  vi.useRealTimers();
});

const job: JobView = {
  id: 'backup-1', kind: 'backup', title: 'Back up shop to s3://backups/database_backups', targetId: 't1', state: 'running',
  startedAt: '2026-11-25T12:00:00.000Z', finishedAt: null, progress: null, error: null, resultKey: null, resultDatabase: null, resultUrl: null, resultTemporary: false,
};

async function openBackupNow() {
  const c = connectFake({ 'backup.start': () => job, 'jobs.cancel': () => ({ cancelled: true }) });
  disconnect = c.disconnect;
  render(<App />);
  await screen.findByRole('grid');
  act(() => useNav.getState().go('backup-now'));
  return c.bridge;
}

describe('Backup now', () => {
  it('sends label, pin and format, shows live progress, and cancels', async () => {
    const bridge = await openBackupNow();
    await userEvent.type(screen.getByRole('textbox', { name: 'Label' }), 'before migration 42');
    await userEvent.click(screen.getByRole('checkbox', { name: /Pin this backup/ }));
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Format' }), 'plain');
    await userEvent.click(screen.getByRole('button', { name: 'Start backup' }));
    expect(bridge.calls.find((c) => c.name === 'backup.start')?.request).toEqual({ targetId: 't1', label: 'before migration 42', pin: true, format: 'plain' });

    act(() => bridge.emit('job.progress', { jobId: 'backup-1', phase: 'dumping', bytes: 5 * 1024 * 1024, rate: 1024 * 1024, elapsedMs: 5000, totalBytes: null }));
    const status = main().getByRole('status');
    expect(status.textContent).toContain('Dumping and uploading');
    expect(status.textContent).toContain('5.0 MiB');
    expect(status.textContent).toContain('1.0 MiB/s');
    expect(status.textContent).toContain('5.0 s');
    expect(screen.getByRole('button', { name: 'Start backup' })).toHaveProperty('disabled', true);

    await userEvent.click(screen.getByRole('button', { name: 'Cancel backup' }));
    expect(bridge.calls.find((c) => c.name === 'jobs.cancel')?.request).toEqual({ jobId: 'backup-1' });
    act(() => bridge.emit('job.finished', { ...job, state: 'cancelled', finishedAt: '2026-11-25T10:00:06.000Z' }));
    expect(main().getByRole('status').textContent).toBe('The backup was cancelled; nothing was kept.');
    // Late progress after the end must not bring the progress panel back.
    act(() => bridge.emit('job.progress', { jobId: 'backup-1', phase: 'dumping', bytes: 6, rate: 1, elapsedMs: 6000, totalBytes: null }));
    expect(screen.queryByRole('button', { name: 'Cancel backup' })).toBeNull();
  });

  it('says why a backup failed and what to do', async () => {
    const bridge = await openBackupNow();
    await userEvent.click(screen.getByRole('button', { name: 'Start backup' }));
    act(() =>
      bridge.emit('job.finished', { ...job, state: 'failed', finishedAt: '2026-11-25T10:00:01.000Z', error: { code: 'PG_TOOL_MISSING', message: 'No pg_dump can handle server version 17. Install pg_dump 17 or newer.' } }),
    );
    expect(main().getByRole('alert').textContent).toBe('The backup failed: No pg_dump can handle server version 17. Install pg_dump 17 or newer.');
    // The Activity screen tells the same story.
    await userEvent.click(screen.getByRole('button', { name: 'Activity' }));
    expect(screen.getByRole('row', { name: /Back up shop .* Failed .* No pg_dump can handle/ })).toBeTruthy();
  });

  // The calendar opens on the backup's own day (from its key), whatever today is.
  it('shows a finished backup and offers it on the calendar', async () => {
    const bridge = await openBackupNow();
    await userEvent.click(screen.getByRole('button', { name: 'Start backup' }));
    act(() => bridge.emit('job.finished', { ...job, state: 'done', finishedAt: '2026-11-25T10:00:03.000Z', resultKey: 'database_backups/2026/11/25/shop_20261125_100000.dump' }));
    expect(main().getByRole('status').textContent).toBe('Backup stored as database_backups/2026/11/25/shop_20261125_100000.dump.');
    await userEvent.click(main().getByRole('button', { name: 'Show on calendar' }));
    expect(useNav.getState()).toMatchObject({ screen: 'calendar', selectedDay: '2026-11-25' });
  });
});
