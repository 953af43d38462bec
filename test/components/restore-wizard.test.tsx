import { act, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView, RestoreReview } from '../../shared/ipc-contract.js';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { backup, connectFake } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const KEY = 'database_backups/2026/11/25/shop_20261125_101112.dump';
const review = (over: Partial<RestoreReview> = {}): RestoreReview => ({
  backup: { key: KEY, createdAt: '2026-11-25T10:11:12.000Z', sizeBytes: 2048, database: 'shop', hasManifest: true, serverVersion: '15.20', format: 'custom' },
  destination: { server: '127.0.0.1:5432', serverVersion: '15.20', database: null, exists: false, objectCount: null },
  steps: ['Download the backup.', 'Create a new temporary database.'],
  warnings: ['The target is on the same server as the source (127.0.0.1:5432): the restore uses that server’s disk and CPU.'],
  destructive: false,
  confirmName: null,
  ...over,
});
const job: JobView = {
  id: 'restore-1', kind: 'restore', title: `Restore ${KEY} into a temporary database`, targetId: 't1', state: 'running', startedAt: new Date().toISOString(),
  finishedAt: null, progress: null, error: null, resultKey: null, resultDatabase: null, resultUrl: null, resultTemporary: false,
};

describe('restore wizard', () => {
  it('restores a backup picked on the calendar into a temporary database: review, progress, URL, Drop', async () => {
    const c = connectFake({
      'backups.list': () => ({ targetId: 't1', storage: 's3://backups/database_backups', backups: [backup('2026-11-25T10:11:12.000Z')], listedAt: '2026-11-25T12:00:00.000Z' }),
      'restore.review': () => review(),
      'restore.start': () => job,
      'temp.drop': () => ({ dropped: true }),
    });
    disconnect = c.disconnect;
    render(<App />);
    await userEvent.click(await screen.findByRole('gridcell', { name: /^25 November 2026: 1 backup/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Restore the backup taken 2026-11-25 10:11:12 UTC' }));
    expect(screen.getByRole('radio', { name: 'Specific backup' })).toHaveProperty('checked', true);
    expect(screen.getByRole('textbox', { name: 'Backup key' })).toHaveProperty('value', KEY);
    expect(screen.getByRole('radio', { name: 'Into a temporary database' })).toHaveProperty('checked', true);
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));
    expect(c.bridge.calls.find((x) => x.name === 'restore.review')?.request).toEqual({ targetId: 't1', backup: { kind: 'key', key: KEY }, destination: { kind: 'temp' } });
    expect(within(screen.getByRole('list', { name: 'Warnings' })).getByText(/same server as the source/)).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Start restore' }));
    expect(screen.getByRole('button', { name: 'Cancel restore' })).toBeTruthy();
    act(() =>
      c.bridge.emit('job.finished', { ...job, state: 'done', finishedAt: new Date().toISOString(), resultKey: KEY, resultDatabase: 'lifeboat_shop_20261125_120000', resultUrl: 'postgresql://app@127.0.0.1:5432/lifeboat_shop_20261125_120000', resultTemporary: true }),
    );
    expect(screen.getByRole('textbox', { name: 'Temporary database URL' })).toHaveProperty('value', 'postgresql://app@127.0.0.1:5432/lifeboat_shop_20261125_120000');
    await userEvent.click(screen.getByRole('button', { name: 'Drop temporary database' }));
    expect(c.bridge.calls.find((x) => x.name === 'temp.drop')?.request).toEqual({ targetId: 't1', name: 'lifeboat_shop_20261125_120000' });
    expect(screen.getByText('Dropped the temporary database “lifeboat_shop_20261125_120000”.')).toBeTruthy();
  });

  it('asks to type the database name before replacing an existing database', async () => {
    const c = connectFake({
      'restore.review': () => review({ destination: { server: 'db:5432', serverVersion: '15.20', database: 'shop_dev', exists: true, objectCount: 12 }, destructive: true, confirmName: 'shop_dev', warnings: ['Database "shop_dev" is not empty: its 12 objects will be dropped and replaced by the backup’s.'] }),
      'restore.start': () => job,
    });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().go('restore'));
    await userEvent.click(screen.getByRole('radio', { name: 'Full restore into a database' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Target database URL' }), 'postgresql://app@db:5432/shop_dev');
    await userEvent.click(screen.getByRole('radio', { name: 'Replace the contents of an existing database' }));
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));
    const replace = screen.getByRole('button', { name: 'Replace shop_dev' });
    expect(replace).toHaveProperty('disabled', true);
    await userEvent.type(screen.getByRole('textbox', { name: 'Type shop_dev to confirm' }), 'shop_de');
    expect(replace).toHaveProperty('disabled', true);
    await userEvent.type(screen.getByRole('textbox', { name: 'Type shop_dev to confirm' }), 'v');
    await userEvent.click(replace);
    expect(c.bridge.calls.find((x) => x.name === 'restore.start')?.request).toEqual({
      targetId: 't1', backup: { kind: 'key', key: KEY }, destination: { kind: 'database', dbUrl: 'postgresql://app@db:5432/shop_dev', mode: 'clean' }, confirmName: 'shop_dev',
    });
  });
});
