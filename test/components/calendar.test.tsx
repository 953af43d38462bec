import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { backup, connectFake, TARGET } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const listing = [
  backup('2026-11-25T10:11:12.000Z', { label: 'before migration 42', pinned: true }),
  backup('2026-11-25T03:00:00.000Z', { verification: { outcome: 'passed', verifiedAt: '2026-11-25T04:00:00.000Z', depth: 'quick', problem: null } }),
  backup('2026-10-02T03:00:00.000Z'),
  // Written by the seed's scripts: no manifest, plain SQL.
  backup('2026-10-15T03:10:12.000Z', { key: 'database_backups/2026/10/15/shop_20261015_031012.sql.gz', hasManifest: false, format: 'plain', sha256: null }),
];

function start() {
  const c = connectFake({ 'backups.list': () => ({ targetId: 't1', storage: 's3://backups/database_backups', backups: listing, listedAt: '2026-11-25T12:00:00.000Z' }) });
  disconnect = c.disconnect;
  render(<App />);
  return c.bridge;
}

describe('backup calendar', () => {
  it('labels each day cell with its backups and opens a day’s list', async () => {
    start();
    const grid = await screen.findByRole('grid', { name: 'Backups in November 2026' });
    const day = await within(grid).findByRole('gridcell', { name: '25 November 2026: 2 backups, 1 pinned, 1 verified' });
    expect(within(grid).getByRole('gridcell', { name: '24 November 2026: no backups' })).toBeTruthy();
    await userEvent.click(day);
    const table = screen.getByRole('table', { name: 'Backups on 25 November 2026' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(table).getByText('before migration 42')).toBeTruthy();
    expect(within(table).getByRole('rowheader', { name: '10:11:12 UTC' })).toBeTruthy();
    expect(within(table).getByText('passed 2026-11-25')).toBeTruthy();
  });

  it('verifies a backup from the day list and shows the job’s outcome', async () => {
    const bridge = start();
    const verifyJob = { id: 'verify-1', kind: 'verify' as const, title: 'Verify', targetId: 't1', state: 'running' as const, startedAt: '2026-11-25T12:00:00.000Z', finishedAt: null, progress: null, error: null, resultKey: null, resultDatabase: null, resultUrl: null, resultTemporary: false };
    bridge.handlers['backup.verify'] = () => verifyJob;
    await userEvent.click(await screen.findByRole('gridcell', { name: /^25 November 2026/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Verify the backup taken 2026-11-25 10:11:12 UTC' }));
    expect(bridge.calls.find((c) => c.name === 'backup.verify')?.request).toEqual({ targetId: 't1', key: listing[0]!.key });
    expect(screen.getByRole('button', { name: 'Verify the backup taken 2026-11-25 10:11:12 UTC' })).toHaveProperty('disabled', true);
    act(() => bridge.emit('job.finished', { ...verifyJob, state: 'failed', error: { code: 'VERIFY_FAILED', message: 'The stored bytes do not match the manifest’s SHA-256.' } }));
    expect(screen.getByText('failed: The stored bytes do not match the manifest’s SHA-256.')).toBeTruthy();
  });

  it('pins a backup from the day list', async () => {
    const bridge = start();
    bridge.handlers['backup.pin'] = (req) => ({ key: req.key, pinned: req.pinned });
    await userEvent.click(await screen.findByRole('gridcell', { name: /^25 November 2026/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Pin the backup taken 2026-11-25 03:00:00 UTC' }));
    expect(bridge.calls.find((c) => c.name === 'backup.pin')?.request).toEqual({ targetId: 't1', key: listing[1]!.key, pinned: true });
    // The already pinned one offers Unpin.
    expect(screen.getByRole('button', { name: 'Unpin the backup taken 2026-11-25 10:11:12 UTC' })).toBeTruthy();
  });

  it('moves between months with the buttons and shows backups other tools wrote', async () => {
    start();
    await screen.findByRole('grid', { name: 'Backups in November 2026' });
    await userEvent.click(screen.getByRole('button', { name: 'Previous month' }));
    const grid = screen.getByRole('grid', { name: 'Backups in October 2026' });
    expect(within(grid).getByRole('gridcell', { name: '15 October 2026: 1 backup, 1 without manifest' })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Next month' }));
    expect(screen.getByRole('grid', { name: 'Backups in November 2026' })).toBeTruthy();
  });

  it('is keyboard navigable: arrows move the focus, Enter opens the day, Page Down changes month', async () => {
    start();
    const grid = await screen.findByRole('grid', { name: 'Backups in November 2026' });
    const first = within(grid).getByRole('gridcell', { name: /^1 November 2026/ });
    expect(first.tabIndex).toBe(0);
    act(() => first.focus());
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    const eighth = within(grid).getByRole('gridcell', { name: /^8 November 2026/ });
    expect(document.activeElement).toBe(eighth);
    fireEvent.keyDown(eighth, { key: 'Enter' });
    expect(useNav.getState().selectedDay).toBe('2026-11-08');
    expect(screen.getByText('No backups on 8 November 2026.')).toBeTruthy();
    fireEvent.keyDown(eighth, { key: 'PageDown' });
    expect(screen.getByRole('grid', { name: 'Backups in December 2026' })).toBeTruthy();
  });

  it('searches the list view by key or label', async () => {
    start();
    await screen.findByRole('grid');
    await userEvent.click(screen.getByRole('button', { name: 'List view' }));
    const search = screen.getByRole('searchbox', { name: 'Search backups by key or label' });
    expect(screen.getByRole('status').textContent).toBe('4 backups match.');
    await userEvent.type(search, 'migration');
    expect(screen.getByRole('status').textContent).toBe('1 backup matches.');
    await userEvent.clear(search);
    await userEvent.type(search, '20261015');
    const table = screen.getByRole('table', { name: 'Matching backups, newest first' });
    expect(within(table).getByText('none (written by another tool)')).toBeTruthy();
  });

  it('opens on the newest backup’s month when another database is chosen, even if both listings carry the same time', async () => {
    // Listings fetched together can be stamped in the same millisecond; the month must still follow the database.
    const billing = { ...TARGET, id: 't2', name: 'billing', dbUrl: 'postgresql://app@db:5432/billing' };
    const old = [backup('2023-05-15T03:10:12.000Z')];
    const c = connectFake({
      'targets.list': () => [billing, TARGET],
      'backups.list': (req) => ({ targetId: req.targetId, storage: 's3://backups/database_backups', backups: req.targetId === 't1' ? old : [], listedAt: '2026-11-25T12:00:00.000Z' }),
    });
    disconnect = c.disconnect;
    useNav.setState({ month: { year: 2026, month: 10 } });
    render(<App />);
    await screen.findByRole('grid', { name: 'Backups in November 2026' });
    await userEvent.click(within(screen.getByRole('navigation', { name: 'Databases' })).getByRole('button', { name: /^shop/ }));
    expect(await screen.findByRole('grid', { name: 'Backups in May 2023' })).toBeTruthy();
  });

  it('shows the listing error in plain words', async () => {
    const c = connectFake({ 'backups.list': () => ({ error: { code: 'STORAGE_BUCKET_MISSING', message: 'The bucket "backups" does not exist; create it or fix the storage URL.' } }) });
    disconnect = c.disconnect;
    render(<App />);
    expect((await within(await screen.findByRole('main')).findByRole('alert')).textContent).toBe('The bucket "backups" does not exist; create it or fix the storage URL.');
    expect(TARGET.name).toBe('shop');
  });
});
