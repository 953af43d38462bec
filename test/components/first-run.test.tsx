import { act, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/App.js';
import { LifeboatClientError, createClient } from '../../renderer/src/api/client.js';
import type { JobView } from '../../shared/ipc-contract.js';
import { backup, connectFake, fakeBridge, TARGET } from './fake-bridge.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

describe('first run', () => {
  it('guides a new user through adding, testing and saving a database', async () => {
    const c = connectFake({
      'targets.list': () => [],
      'connection.test': () => ({ serverVersion: '15.20', database: 'shop', databaseSizeBytes: 8 * 1024 * 1024, pgDump: { path: '/usr/lib/postgresql/15/bin/pg_dump', version: '15.20' }, pgDumpProblem: null }),
      'storage.test': () => ({ display: 'file:///home/dba/.local/share/lifeboat/backups', backupCount: 0 }),
      'targets.save': () => TARGET,
    });
    disconnect = c.disconnect;
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Welcome to Lifeboat' })).toBeTruthy();
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'shop');
    await userEvent.type(screen.getByRole('textbox', { name: 'Database URL' }), 'postgresql://app@db:5432/shop');
    await userEvent.type(screen.getByLabelText('Password'), 's3cret');
    await userEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    const conn = await screen.findByRole('status', { name: 'Connection test result' });
    expect(conn.textContent).toContain('PostgreSQL 15.20');
    expect(conn.textContent).toContain('pg_dump 15.20 (/usr/lib/postgresql/15/bin/pg_dump)');
    await userEvent.click(screen.getByRole('button', { name: 'Test storage' }));
    expect((await screen.findByRole('status', { name: 'Storage test result' })).textContent).toContain('file:///home/dba/.local/share/lifeboat/backups (0 backups found)');
    await userEvent.click(screen.getByRole('button', { name: 'Save database' }));
    // The password went to the engine (write-only) and the next step is the first backup.
    expect(c.bridge.calls.find((x) => x.name === 'targets.save')?.request).toEqual({ name: 'shop', dbUrl: 'postgresql://app@db:5432/shop', storageUrl: '', password: 's3cret' });
    expect(await screen.findByRole('heading', { name: 'Backup now: shop' })).toBeTruthy();
  });

  it('shows an engine error as one sentence and keeps the form', async () => {
    const c = connectFake({
      'targets.list': () => [],
      'connection.test': () => ({ error: { code: 'PG_AUTH_FAILED', message: 'The server at db:5432 rejected the password for user "app"; check the password.' } }),
    });
    disconnect = c.disconnect;
    render(<App />);
    await userEvent.type(await screen.findByRole('textbox', { name: 'Database URL' }), 'postgresql://app@db:5432/shop');
    await userEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The server at db:5432 rejected the password for user "app"; check the password.');
    expect(screen.getByRole('textbox', { name: 'Database URL' })).toHaveProperty('value', 'postgresql://app@db:5432/shop');
  });

  it('turns error values into typed errors in the renderer', async () => {
    const client = createClient(fakeBridge({ 'jobs.cancel': () => ({ error: { code: 'NOT_FOUND', message: 'There is no job x.' } }) }));
    const err = await client.call('jobs.cancel', { jobId: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LifeboatClientError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'There is no job x.' });
  });

  it('“Show on calendar” after the first backup leaves the guide and opens the calendar on that backup’s day', async () => {
    const KEY = 'database_backups/2026/11/25/shop_20261125_100000.dump';
    const job: JobView = {
      id: 'backup-1', kind: 'backup', title: 'Back up shop', targetId: 't1', state: 'running', startedAt: '2026-11-25T10:00:00.000Z',
      finishedAt: null, progress: null, error: null, resultKey: null, resultDatabase: null, resultUrl: null, resultTemporary: false,
    };
    let saved = false;
    const c = connectFake({
      'targets.list': () => (saved ? [TARGET] : []),
      'targets.save': () => ((saved = true), TARGET),
      'backup.start': () => job,
      'backups.list': () => ({ targetId: 't1', storage: 's3://backups/database_backups', backups: [backup('2026-11-25T10:00:00.000Z')], interrupted: [], interruptedSummary: null, listedAt: '2026-11-25T12:00:00.000Z' }),
    });
    disconnect = c.disconnect;
    render(<App />);
    await userEvent.type(await screen.findByRole('textbox', { name: 'Name' }), 'shop');
    await userEvent.type(screen.getByRole('textbox', { name: 'Database URL' }), 'postgresql://app@db:5432/shop');
    await userEvent.click(screen.getByRole('button', { name: 'Save database' }));
    act(() => c.bridge.emit('targets.changed', { targets: [TARGET] }));
    await userEvent.click(await screen.findByRole('button', { name: 'Start backup' }));
    act(() => c.bridge.emit('job.finished', { ...job, state: 'done', finishedAt: '2026-11-25T10:00:03.000Z', resultKey: KEY }));
    await userEvent.click(screen.getByRole('button', { name: 'Show on calendar' }));
    expect(screen.queryByRole('heading', { name: 'Welcome to Lifeboat' })).toBeNull();
    expect(await screen.findByRole('grid', { name: 'Backups in November 2026' })).toBeTruthy();
    expect(useNav.getState()).toMatchObject({ screen: 'calendar', selectedDay: '2026-11-25', firstRun: false });
  });
});
