import { act, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScheduleView } from '../../shared/ipc-contract.js';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { useSchedules } from '../../renderer/src/stores/schedules-store.js';
import { connectFake, type Handlers } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

function view(name: string, over: Partial<ScheduleView> = {}): ScheduleView {
  return { targetId: 't1', name, when: { daily: '03:00' }, timezone: 'UTC', enabled: true, catchUp: true, retries: 3, retryDelaySeconds: 60, verifyDeep: false, retention: { keepDays: 30, keepLast: 3 }, verifyEveryDays: 7, rtoMs: null, nextRuns: ['2026-11-26T03:00:00.000Z'], lastOutcome: null, lastRunAt: null, problem: null, ...over };
}

const schedules = [view('t1-nightly', { when: { daily: '02:15' }, retries: 5, retryDelaySeconds: 7, verifyEveryDays: 3, verifyDeep: true, rtoMs: 90 * 60_000 }), view('t1-hourly', { when: { cron: '15 * * * *' }, retention: null }), view('other-db', { targetId: 't2' })];

async function openSchedule(extra: Handlers = {}) {
  useSchedules.setState({ loaded: false, error: null, schedules: [], runs: [] });
  const c = connectFake({
    'schedules.list': () => schedules,
    'schedules.preview': () => ({ nextRuns: ['2026-11-26T03:00:00.000Z'], problem: null }),
    'retention.preview': () => ({ policy: { keepDays: 30, keepLast: 3, gfs: null }, now: '2026-11-25T00:00:00.000Z', backups: [], keep: 0, delete: 0, bytesFreed: 0 }),
    'notifications.list': () => ({ channels: [] }),
    'app.loginItem.get': () => ({ supported: false, openAtLogin: false }),
    'schedules.save': (req) => view(req.name ?? 't1', { when: req.when }),
    'schedules.runNow': () => ({ outcome: 'success', key: 'database_backups/2026/11/25/shop_20261125_101500.dump', error: null, attempts: 1 }),
    ...extra,
  });
  disconnect = c.disconnect;
  render(<App />);
  await screen.findByRole('grid');
  act(() => useNav.getState().go('schedule'));
  await screen.findByRole('heading', { name: 'Schedule for shop' });
  return c.bridge;
}

describe('Schedule screen', () => {
  it("lists every schedule of the database by name (the CLI's too) and edits the chosen one, sending only the fields it shows", async () => {
    const bridge = await openSchedule();
    const list = screen.getByRole('navigation', { name: 'Schedules of this database' });
    expect(within(list).getAllByRole('button').map((b) => b.textContent)).toEqual(['t1-nightly', 't1-hourly', 'New schedule']);
    expect(screen.getByRole('textbox', { name: 'Schedule name' })).toHaveProperty('value', 't1-nightly');
    expect(screen.getByLabelText('Time of day')).toHaveProperty('value', '02:15');
    expect(screen.getByText(/Also kept when you save: 5 retries \(first after 7 s, then doubling\); deep verification every 3 days\./)).toBeTruthy();

    await userEvent.click(within(list).getByRole('button', { name: 't1-hourly' }));
    expect(screen.getByRole('textbox', { name: 'Schedule name' })).toHaveProperty('value', 't1-hourly');
    expect(screen.getByRole('textbox', { name: 'Cron expression' })).toHaveProperty('value', '15 * * * *');
    await userEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    expect(bridge.calls.find((c) => c.name === 'schedules.save')?.request).toEqual({ targetId: 't1', name: 't1-hourly', when: { cron: '15 * * * *' }, timezone: 'UTC', enabled: true, catchUp: true, retention: null, rtoMs: null });
  });

  it('sets the recovery-time target of the schedule’s drills, and refuses one that is not a duration', async () => {
    const bridge = await openSchedule();
    expect(screen.getByRole('textbox', { name: 'Recovery-time target' })).toHaveProperty('value', '1h30m');
    const field = screen.getByRole('textbox', { name: 'Recovery-time target' });
    await userEvent.clear(field);
    await userEvent.type(field, '15 minutes');
    await userEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    expect(await screen.findByText('"15 minutes" is not a recovery-time target; give a duration like 15m, 1h30m or 90s (or "none" for no target).')).toBeTruthy();
    expect(bridge.calls.some((c) => c.name === 'schedules.save')).toBe(false);
    await userEvent.clear(field);
    await userEvent.type(field, '15m');
    await userEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    expect(bridge.calls.find((c) => c.name === 'schedules.save')?.request).toMatchObject({ name: 't1-nightly', rtoMs: 15 * 60_000 });
  });

  it('runs the chosen schedule now and says what it stored', async () => {
    const bridge = await openSchedule();
    await userEvent.click(screen.getByRole('button', { name: 'Run now' }));
    expect(bridge.calls.find((c) => c.name === 'schedules.runNow')?.request).toEqual({ targetId: 't1', name: 't1-nightly' });
    expect(await screen.findByText(/Run now of "t1-nightly" finished: stored database_backups\/2026\/11\/25\/shop_20261125_101500\.dump/)).toBeTruthy();
  });

  it('a failed run now is shown as an error', async () => {
    await openSchedule({ 'schedules.runNow': () => ({ outcome: 'failure', key: null, error: 'Cannot reach the server.', attempts: 4 }) });
    await userEvent.click(screen.getByRole('button', { name: 'Run now' }));
    expect(await screen.findByText('The run of "t1-nightly" failed after 4 attempt(s): Cannot reach the server.')).toBeTruthy();
  });

  it('adds another schedule under a new name', async () => {
    const bridge = await openSchedule();
    await userEvent.click(screen.getByRole('button', { name: 'New schedule' }));
    const name = screen.getByRole('textbox', { name: 'Schedule name' });
    expect(name).toHaveProperty('value', 't1');
    expect(screen.queryByRole('button', { name: 'Run now' })).toBeNull();
    await userEvent.clear(name);
    await userEvent.type(name, 'weekly');
    await userEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    expect(bridge.calls.find((c) => c.name === 'schedules.save')?.request).toMatchObject({ targetId: 't1', name: 'weekly' });
  });

  it('says when another scheduler sharing the storage ran the last slot instead of this machine', async () => {
    const taken = { slot: '2026-11-25T02:15:00.000Z', by: 'db-runner-2 (pid 4242)', done: true, at: '2026-11-25T02:15:01.000Z' };
    await openSchedule({ 'schedules.list': () => [view('t1-nightly', { lastTakenElsewhere: taken }), ...schedules.slice(1)] });
    expect(screen.getByText(/Backed up by db-runner-2 \(pid 4242\) \(another scheduler sharing this storage\): the run of .*2026.*, so not run here\./)).toBeTruthy();
  });
});
