import { act, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView, RestoreReview } from '../../shared/ipc-contract.js';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { connectFake } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const KEY = 'database_backups/2026/11/25/shop_20261125_101112.dump';
const PLANNED_AT = '2026-11-25T12:00:00.000Z';
const review = (createMissing: boolean): RestoreReview => ({
  plannedAt: PLANNED_AT,
  backup: { key: KEY, storage: 's3://backups/database_backups', createdAt: '2026-11-25T10:11:12.000Z', sizeBytes: 2048, database: 'shop', hasManifest: true, serverVersion: '15.20', format: 'custom', encrypted: false },
  downloads: [{ key: KEY, bytes: 2048 }],
  destination: { server: 'db:5432', serverVersion: '15.20', database: 'shop', action: 'create', exists: false, objectCount: null },
  selection: { tables: [], schemas: [] },
  roles: { keepOwners: createMissing, keepPrivileges: createMissing, missing: ['Report Writer', 'app_owner'], createMissing },
  tool: 'pg_restore',
  steps: ['Download the backup once.'],
  warnings: [],
  destructive: false,
  confirmName: null,
});
const job: JobView = {
  id: 'restore-1', kind: 'restore', title: `Restore ${KEY}`, targetId: 't1', state: 'running', startedAt: '2026-11-25T12:00:00.000Z',
  finishedAt: null, progress: null, error: null, resultKey: null, resultDatabase: null, resultUrl: null, resultTemporary: false,
};

describe('restore wizard: roles', () => {
  it('"Create missing roles first" asks the engine to create them, and the review names the missing roles', async () => {
    const c = connectFake({
      'restore.review': (req) => review(req.withGlobals === true),
      'restore.start': () => job,
    });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().go('restore'));
    await userEvent.click(screen.getByRole('radio', { name: 'Full restore into a database' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Target database URL' }), 'postgresql://app@db:5432/shop');
    await userEvent.click(screen.getByRole('checkbox', { name: /^Create missing roles and tablespaces first/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));
    expect(c.bridge.calls.find((x) => x.name === 'restore.review')?.request).toMatchObject({ withGlobals: true });
    expect(screen.getByText('Missing roles')).toBeTruthy();
    expect(screen.getByText('Report Writer, app_owner (created first)')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Start restore' }));
    expect(c.bridge.calls.find((x) => x.name === 'restore.start')?.request).toMatchObject({ withGlobals: true, plannedAt: PLANNED_AT });
  });
});
