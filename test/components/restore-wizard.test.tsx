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
const PLANNED_AT = '2026-11-25T12:00:00.000Z';
const review = (over: Partial<RestoreReview> = {}): RestoreReview => ({
  plannedAt: PLANNED_AT,
  backup: { key: KEY, storage: 's3://backups/database_backups', createdAt: '2026-11-25T10:11:12.000Z', sizeBytes: 2048, database: 'shop', hasManifest: true, serverVersion: '15.20', format: 'custom', encrypted: false },
  downloads: [{ key: KEY, bytes: 2048 }],
  destination: { server: '127.0.0.1:5432', serverVersion: '15.20', database: 'lifeboat_shop_20261125_120000', action: 'create-temporary', exists: false, objectCount: null },
  selection: { tables: [], schemas: [] },
  tool: 'pg_restore',
  steps: ['Download the backup once.', 'Create the temporary database "lifeboat_shop_20261125_120000" on 127.0.0.1:5432.'],
  warnings: ['The target is on the same server as the source (127.0.0.1:5432): the restore uses that server’s disk and CPU.'],
  destructive: false,
  confirmName: null,
  ...over,
});
const job: JobView = {
  id: 'restore-1', kind: 'restore', title: `Restore ${KEY} into a temporary database`, targetId: 't1', state: 'running', startedAt: '2026-11-25T12:00:00.000Z',
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
    // The review names the exact database the plan will create, and the one object it downloads.
    expect(screen.getByText(/a new temporary database “lifeboat_shop_20261125_120000” on 127\.0\.0\.1:5432/)).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'What will happen' })).getByText(/lifeboat_shop_20261125_120000/)).toBeTruthy();
    expect(screen.getByText(/, once$/).textContent).toContain(KEY);
    await userEvent.click(screen.getByRole('button', { name: 'Start restore' }));
    // Started from the reviewed plan: the same key and the plan's time (which names the database).
    expect(c.bridge.calls.find((x) => x.name === 'restore.start')?.request).toEqual({ targetId: 't1', backup: { kind: 'key', key: KEY }, destination: { kind: 'temp' }, plannedAt: PLANNED_AT });
    expect(screen.getByRole('button', { name: 'Cancel restore' })).toBeTruthy();
    act(() =>
      c.bridge.emit('job.finished', { ...job, state: 'done', finishedAt: '2026-11-25T12:00:00.000Z', resultKey: KEY, resultDatabase: 'lifeboat_shop_20261125_120000', resultUrl: 'postgresql://app@127.0.0.1:5432/lifeboat_shop_20261125_120000', resultTemporary: true }),
    );
    expect(screen.getByRole('textbox', { name: 'Temporary database URL' })).toHaveProperty('value', 'postgresql://app@127.0.0.1:5432/lifeboat_shop_20261125_120000');
    await userEvent.click(screen.getByRole('button', { name: 'Drop temporary database' }));
    expect(c.bridge.calls.find((x) => x.name === 'temp.drop')?.request).toEqual({ targetId: 't1', name: 'lifeboat_shop_20261125_120000' });
    expect(screen.getByText('Dropped the temporary database “lifeboat_shop_20261125_120000”.')).toBeTruthy();
  });

  it('asks to type the database name before replacing an existing database', async () => {
    const c = connectFake({
      'restore.review': () =>
        review({
          destination: { server: 'db:5432', serverVersion: '15.20', database: 'shop_dev', action: 'replace', exists: true, objectCount: 12 },
          destructive: true,
          confirmName: 'shop_dev',
          warnings: ['Database "shop_dev" is not empty: all its 12 objects will be dropped, also those the backup does not have, and replaced by the backup’s.'],
        }),
      'restore.start': () => job,
    });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().go('restore'));
    await userEvent.click(screen.getByRole('radio', { name: 'Full restore into a database' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Target database URL' }), 'postgresql://app@db:5432/shop_dev');
    await userEvent.click(screen.getByRole('radio', { name: 'Replace an existing database (everything in it is dropped)' }));
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));
    expect(screen.getByText(/database “shop_dev”, replacing everything in it on db:5432/)).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Warnings' })).getByText(/also those the backup does not have/)).toBeTruthy();
    const replace = screen.getByRole('button', { name: 'Replace shop_dev' });
    expect(replace).toHaveProperty('disabled', true);
    await userEvent.type(screen.getByRole('textbox', { name: 'Type shop_dev to confirm' }), 'shop_de');
    expect(replace).toHaveProperty('disabled', true);
    await userEvent.type(screen.getByRole('textbox', { name: 'Type shop_dev to confirm' }), 'v');
    await userEvent.click(replace);
    expect(c.bridge.calls.find((x) => x.name === 'restore.start')?.request).toEqual({
      targetId: 't1', backup: { kind: 'key', key: KEY }, destination: { kind: 'database', dbUrl: 'postgresql://app@db:5432/shop_dev', mode: 'clean' }, plannedAt: PLANNED_AT, confirmName: 'shop_dev',
    });
  });
});
