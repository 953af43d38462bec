import { act, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../shared/ipc-contract.js';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { connectFake } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const KEY = 'database_backups/2026/11/25/shop_20261125_101112.dump';
const job: JobView = {
  id: 'extract-1', kind: 'extract', title: 'Restore public.orders', targetId: 't1', state: 'running', startedAt: new Date().toISOString(),
  finishedAt: null, progress: null, error: null, resultKey: null, resultDatabase: null, resultUrl: null, resultTemporary: false,
};

describe('partial recovery', () => {
  it('picks tables, restores them to a temporary database, previews filtered rows and copies them with counts', async () => {
    const c = connectFake({
      'extract.tables': () => ({ key: KEY, tables: [{ schema: 'public', name: 'customers', rows: 200 }, { schema: 'public', name: 'orders', rows: 2000 }] }),
      'extract.prepare': () => job,
      'extract.preview': () => ({ columns: [{ name: 'id', type: 'integer' }, { name: 'note', type: 'text' }], rows: [['7', null], ['8', '']], truncated: false }),
      'extract.copy': () => ({ database: 'shop', inserted: 1, skipped: 1 }),
    });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().go('extract'));
    await userEvent.click(screen.getByRole('button', { name: 'Show tables' }));
    await userEvent.click(await screen.findByRole('checkbox', { name: 'public.orders (2,000 rows)' }));
    await userEvent.click(screen.getByRole('button', { name: 'Restore into a temporary database' }));
    expect(c.bridge.calls.find((x) => x.name === 'extract.prepare')?.request).toEqual({ targetId: 't1', backup: { kind: 'key', key: KEY }, tables: ['public.orders'] });
    act(() => c.bridge.emit('job.finished', { ...job, state: 'done', finishedAt: new Date().toISOString(), resultKey: KEY, resultDatabase: 'lifeboat_shop_20261125_120000', resultUrl: 'postgresql://app@db/lifeboat_shop_20261125_120000', resultTemporary: true }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Filter (SQL after WHERE)' }), 'id between 7 and 8');
    await userEvent.click(screen.getByRole('button', { name: 'Preview rows' }));
    const grid = await screen.findByRole('table', { name: 'Preview of public.orders: 2 rows' });
    expect(within(grid).getAllByRole('row').map((r) => r.textContent)).toEqual(['idnote', '7NULL', '8']);
    await userEvent.type(screen.getByRole('textbox', { name: 'Copy into database (URL)' }), 'postgresql://app@db/shop');
    await userEvent.click(screen.getByRole('button', { name: 'Copy rows into database' }));
    expect(c.bridge.calls.find((x) => x.name === 'extract.copy')?.request).toEqual({ targetId: 't1', tempDatabase: 'lifeboat_shop_20261125_120000', table: 'public.orders', where: 'id between 7 and 8', intoDbUrl: 'postgresql://app@db/shop' });
    expect((await screen.findByText(/Copied into database/)).textContent).toBe('Copied into database “shop”: 1 inserted, 1 skipped (already there).');
  });

  it('says why a backup’s tables cannot be listed', async () => {
    const c = connectFake({ 'extract.tables': () => ({ error: { code: 'BAD_INPUT', message: 'Backup x is plain SQL, which has no table of contents; restore it whole into a temporary database (Restore) and query it there.' } }) });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().go('extract'));
    await userEvent.click(screen.getByRole('button', { name: 'Show tables' }));
    expect((await screen.findByRole('alert')).textContent).toContain('plain SQL, which has no table of contents');
  });
});
