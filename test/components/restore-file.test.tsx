// Restore a file from disk in the wizard: a path typed (the web shell), chosen with the system's
// file dialog or dropped onto the screen (the desktop app, whose preload says where a File lies).
import { act, fireEvent, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView, RestoreReview } from '../../shared/ipc-contract.js';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { connectFake } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => {
  disconnect();
  delete (window as unknown as { lifeboat?: unknown }).lifeboat;
});

const FILE = '/home/dba/Downloads/shop.dump';
const PLANNED_AT = '2026-11-25T12:00:00.000Z';
const review: RestoreReview = {
  plannedAt: PLANNED_AT,
  backup: { key: FILE, storage: 'file:///home/dba/Downloads/shop.dump', createdAt: '2026-11-25T10:11:12.000Z', sizeBytes: 2048, database: 'shop', hasManifest: false, serverVersion: null, format: 'custom', encrypted: false },
  downloads: [],
  destination: { server: '127.0.0.1:5432', serverVersion: '15.20', database: 'lifeboat_shop_20261125_120000', action: 'create-temporary', exists: false, objectCount: null },
  selection: { tables: [], schemas: [] },
  tool: 'pg_restore',
  steps: [`Read the file ${FILE} (2.0 KiB) where it lies, never changing or copying it, reading it to the end.`],
  warnings: ['This file has no manifest beside it: its size and checksum cannot be checked, only that it reads to its end.'],
  destructive: false,
  confirmName: null,
};
const job: JobView = {
  id: 'restore-1', kind: 'restore', title: `Restore ${FILE} into a temporary database`, targetId: 't1', state: 'running', startedAt: '2026-11-25T12:00:00.000Z',
  finishedAt: null, progress: null, error: null, resultKey: null, resultDatabase: null, resultUrl: null, resultTemporary: false,
};

async function openRestore(): Promise<ReturnType<typeof connectFake>> {
  const c = connectFake({ 'restore.review': () => review, 'restore.start': () => job });
  disconnect = c.disconnect;
  render(<App />);
  await screen.findByRole('grid');
  act(() => useNav.getState().go('restore'));
  return c;
}

describe('restore a file from disk', () => {
  it('in a browser: the path is typed, reviewed (nothing downloaded) and restored from the file', async () => {
    const c = await openRestore();
    await userEvent.click(screen.getByRole('radio', { name: 'A file from disk…' }));
    expect(screen.queryByRole('button', { name: 'Choose a file…' })).toBeNull();
    await userEvent.type(screen.getByRole('textbox', { name: 'Dump file path' }), FILE);
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));
    expect(c.bridge.calls.find((x) => x.name === 'restore.review')?.request).toEqual({ targetId: 't1', backup: { kind: 'file', path: FILE }, destination: { kind: 'temp' } });
    expect(screen.getByText('None: the file is read where it lies')).toBeTruthy();
    expect(screen.getByText(/never changing or copying it/)).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Start restore' }));
    expect(c.bridge.calls.find((x) => x.name === 'restore.start')?.request).toEqual({ targetId: 't1', backup: { kind: 'file', path: FILE }, destination: { kind: 'temp' }, plannedAt: PLANNED_AT });
  });

  it('in a browser: a dropped file cannot be located, and says to type its path', async () => {
    await openRestore();
    fireEvent.drop(screen.getByRole('region', { name: /^Restore: / }), { dataTransfer: { files: [new File(['PGDMP'], 'shop.dump')] } });
    expect(screen.getByRole('radio', { name: 'A file from disk…' })).toHaveProperty('checked', true);
    expect(screen.getByText(/cannot see where “shop\.dump” lies .* type its full path instead/)).toBeTruthy();
  });

  it('in the desktop app: a file dropped on the screen or chosen in the dialog becomes the source', async () => {
    (window as unknown as { lifeboat: { localFilePath: (f: File) => string } }).lifeboat = { localFilePath: (f) => `/home/dba/Downloads/${f.name}` };
    const c = await openRestore();
    fireEvent.drop(screen.getByRole('region', { name: /^Restore: / }), { dataTransfer: { files: [new File(['PGDMP'], 'shop.dump')] } });
    expect(screen.getByRole('radio', { name: 'A file from disk…' })).toHaveProperty('checked', true);
    expect(screen.getByRole('textbox', { name: 'Dump file path' })).toHaveProperty('value', FILE);
    await userEvent.upload(screen.getByLabelText('Dump file'), new File(['x'], 'other.sql.gz'));
    expect(screen.getByRole('textbox', { name: 'Dump file path' })).toHaveProperty('value', '/home/dba/Downloads/other.sql.gz');
    expect(screen.getByRole('button', { name: 'Choose a file…' })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));
    expect(c.bridge.calls.find((x) => x.name === 'restore.review')?.request).toMatchObject({ backup: { kind: 'file', path: '/home/dba/Downloads/other.sql.gz' } });
  });
});
