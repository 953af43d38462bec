import { act, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { Profiler } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../shared/ipc-contract.js';
import { CalendarScreen } from '../../renderer/src/screens/CalendarScreen.js';
import { AppHeader } from '../../renderer/src/components/shell/AppHeader.js';
import { JobsTray } from '../../renderer/src/components/shell/JobsTray.js';
import { Sidebar } from '../../renderer/src/components/shell/Sidebar.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { backup, connectFake, TARGET } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const listing = Array.from({ length: 50 }, (_, i) => backup(new Date(Date.UTC(2026, 10, 25, 0, i, 0)).toISOString()));
const running: JobView = { id: 'b-1', kind: 'backup', title: 'Backup shop', targetId: 't1', state: 'running', startedAt: '2026-11-25T12:00:00.000Z', finishedAt: null, progress: null, error: null, resultKey: null, resultDatabase: null, resultUrl: null, resultTemporary: false };

const tick = (bytes: number) => ({ jobId: 'b-1', phase: 'upload', bytes, rate: 1_000_000, elapsedMs: bytes / 1000, totalBytes: 10_000_000, totalSource: 'exact' as const, percent: bytes / 100_000, etaMs: 10_000 - bytes / 1000 });

describe('narrow selectors', () => {
  it('a progress tick re-renders the jobs tray but not the calendar with a day of 50 backups open', async () => {
    const c = connectFake({
      'backups.list': () => ({ targetId: 't1', storage: 's3://backups/database_backups', backups: listing, listedAt: '2026-11-25T12:00:00.000Z' }),
      'jobs.list': () => ({ running: [running], recent: [] }),
    });
    disconnect = c.disconnect;
    useNav.setState({ selectedDay: '2026-11-25' });
    const renders = { calendar: 0, tray: 0 };
    render(
      <>
        <Profiler id="calendar" onRender={() => renders.calendar++}>
          <CalendarScreen target={TARGET} />
        </Profiler>
        <Profiler id="tray" onRender={() => renders.tray++}>
          <JobsTray onClose={() => undefined} />
        </Profiler>
      </>,
    );
    const table = await screen.findByRole('table', { name: 'Backups on 25 November 2026' });
    expect(within(table).getAllByRole('row')).toHaveLength(51);
    await screen.findByRole('listitem', { name: 'Backup shop' });
    const before = { ...renders };

    for (let i = 1; i <= 5; i++) act(() => c.bridge.emit('job.progress', tick(i * 1_000_000)));

    // The tray shows the ticks (so they did arrive and change the store) …
    expect(renders.tray).toBeGreaterThanOrEqual(before.tray + 5);
    expect(screen.getByRole('progressbar', { name: /^Backup shop/ }).getAttribute('value')).toBe('50');
    // … and the calendar, its grid and the day's table did not render again.
    expect(renders.calendar).toBe(before.calendar);

    // What the calendar does show of jobs still reaches it: a failed backup marks its day.
    act(() => c.bridge.emit('job.finished', { ...running, state: 'failed', finishedAt: '2026-11-25T12:05:00.000Z', error: { code: 'PG_DUMP_FAILED', message: 'pg_dump failed.' } }));
    expect(renders.calendar).toBeGreaterThan(before.calendar);
    expect(screen.getByRole('gridcell', { name: /^25 November 2026: 50 backups.*1 failed/ })).toBeTruthy();
  });

  it('a progress tick does not re-render the day table while a verification runs, but the verification’s end does', async () => {
    const verify: JobView = { ...running, id: 'v-1', kind: 'verify', title: 'Verify' };
    const c = connectFake({
      'backups.list': () => ({ targetId: 't1', storage: 's3://backups/database_backups', backups: listing, listedAt: '2026-11-25T12:00:00.000Z' }),
      'jobs.list': () => ({ running: [running], recent: [] }),
      'backup.verify': () => verify,
    });
    disconnect = c.disconnect;
    useNav.setState({ selectedDay: '2026-11-25' });
    let renders = 0;
    render(
      <Profiler id="calendar" onRender={() => renders++}>
        <CalendarScreen target={TARGET} />
      </Profiler>,
    );
    const table = await screen.findByRole('table', { name: 'Backups on 25 November 2026' });
    const button = within(table).getAllByRole('button', { name: /^Verify the backup/ })[0]!;
    await userEvent.click(button);
    expect(within(table).getByText('verifying…')).toBeTruthy();
    const before = renders;
    for (let i = 1; i <= 3; i++) act(() => c.bridge.emit('job.progress', { ...tick(i), jobId: 'v-1' }));
    act(() => c.bridge.emit('job.progress', tick(7)));
    expect(renders).toBe(before);
    act(() => c.bridge.emit('job.finished', { ...verify, state: 'failed', error: { code: 'VERIFY_FAILED', message: 'Checksum mismatch.' } }));
    expect(renders).toBeGreaterThan(before);
    expect(within(table).getByText('failed: Checksum mismatch.')).toBeTruthy();
  });

  it('a progress tick does not re-render the sidebar or the header; a backup’s start and end do', async () => {
    const c = connectFake({ 'jobs.list': () => ({ running: [], recent: [] }) });
    disconnect = c.disconnect;
    const renders = { shell: 0 };
    render(
      <Profiler id="shell" onRender={() => renders.shell++}>
        <Sidebar onHelp={() => undefined} />
        <AppHeader target={TARGET} trayOpen={false} onToggleTray={() => undefined} />
      </Profiler>,
    );
    await screen.findByRole('button', { name: /^shop, / });
    act(() => c.bridge.emit('job.started', running));
    expect(screen.getByRole('button', { name: 'shop, backing up now' })).toBeTruthy();
    const before = renders.shell;
    for (let i = 1; i <= 5; i++) act(() => c.bridge.emit('job.progress', tick(i * 1_000_000)));
    expect(renders.shell).toBe(before);
    act(() => c.bridge.emit('job.finished', { ...running, state: 'done', finishedAt: '2026-11-25T12:05:00.000Z' }));
    expect(renders.shell).toBeGreaterThan(before);
    expect(screen.getByRole('button', { name: 'shop, last backup ok' })).toBeTruthy();
  });
});
