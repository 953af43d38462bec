import { act, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../shared/ipc-contract.js';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { backup, connectFake, TARGET } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const KEY = 'database_backups/2026/11/25/shop_20261125_101112.dump';
const job: JobView = {
  id: 'extract-1', kind: 'extract', title: 'Restore public.orders', targetId: 't1', state: 'running', startedAt: '2026-11-25T12:00:00.000Z',
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
    act(() => c.bridge.emit('job.finished', { ...job, state: 'done', finishedAt: '2026-11-25T12:00:00.000Z', resultKey: KEY, resultDatabase: 'lifeboat_shop_20261125_120000', resultUrl: 'postgresql://app@db/lifeboat_shop_20261125_120000', resultTemporary: true }));
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

  /** Tables listed, the chosen one restored, the temporary database ready: the Find rows form is on screen. */
  async function upToFindRows(c: ReturnType<typeof connectFake>, checkbox: string): Promise<void> {
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().go('extract'));
    await userEvent.click(screen.getByRole('button', { name: 'Show tables' }));
    await userEvent.click(await screen.findByRole('checkbox', { name: checkbox }));
    await userEvent.click(screen.getByRole('button', { name: 'Restore into a temporary database' }));
    act(() => c.bridge.emit('job.finished', { ...job, state: 'done', finishedAt: '2026-11-25T12:00:00.000Z', resultKey: KEY, resultDatabase: 'lifeboat_shop_20261125_120000', resultUrl: null, resultTemporary: true }));
  }

  it('sends a quoted table name the engine reads back intact', async () => {
    const c = connectFake({
      'extract.tables': () => ({ key: KEY, tables: [{ schema: 'Sales "EU"', name: 'Order Lines', rows: 3 }, { schema: 'public', name: 'actor', rows: 200 }] }),
      'extract.prepare': () => job,
    });
    disconnect = c.disconnect;
    await upToFindRows(c, 'Sales "EU".Order Lines (3 rows)');
    expect(c.bridge.calls.find((x) => x.name === 'extract.prepare')?.request).toMatchObject({ tables: ['"Sales ""EU"""."Order Lines"'] });
    expect(screen.getByRole('combobox', { name: 'Table' })).toHaveProperty('value', '"Sales ""EU"""."Order Lines"');
  });

  it('Copy and Export act on the previewed rows: disabled after the filter changes, the previewed filter once previewed again', async () => {
    const c = connectFake({
      'extract.tables': () => ({ key: KEY, tables: [{ schema: 'public', name: 'orders', rows: 2000 }] }),
      'extract.prepare': () => job,
      'extract.preview': () => ({ columns: [{ name: 'customer_id', type: 'integer' }], rows: [['42']], truncated: false }),
      'extract.copy': () => ({ database: 'shop', inserted: 1, skipped: 0 }),
    });
    disconnect = c.disconnect;
    await upToFindRows(c, 'public.orders (2,000 rows)');
    const filter = screen.getByRole('textbox', { name: 'Filter (SQL after WHERE)' });
    await userEvent.type(filter, 'customer_id = 42');
    await userEvent.click(screen.getByRole('button', { name: 'Preview rows' }));
    await screen.findByRole('table', { name: 'Preview of public.orders: 1 row' });
    await userEvent.type(screen.getByRole('textbox', { name: 'Copy into database (URL)' }), 'postgresql://app@db/shop');
    // The filter is edited but not previewed: nothing may act on rows nobody saw.
    await userEvent.clear(filter);
    await userEvent.type(filter, 'customer_id = 41');
    const copy = screen.getByRole('button', { name: 'Copy rows into database' });
    expect(copy).toHaveProperty('disabled', true);
    for (const f of ['CSV', 'JSON', 'SQL']) expect(screen.getByRole('button', { name: `Export ${f}` })).toHaveProperty('disabled', true);
    expect(copy.getAttribute('aria-describedby')).toBeTruthy();
    expect(document.getElementById(copy.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(/changed since this preview; preview again/);
    await userEvent.click(copy);
    expect(c.bridge.calls.some((x) => x.name === 'extract.copy')).toBe(false);
    // Back to the previewed filter: enabled again, and the copy carries exactly it.
    await userEvent.clear(filter);
    await userEvent.type(filter, 'customer_id = 42');
    expect(copy).toHaveProperty('disabled', false);
    await userEvent.click(copy);
    expect(c.bridge.calls.find((x) => x.name === 'extract.copy')?.request).toMatchObject({ table: 'public.orders', where: 'customer_id = 42' });
  });

  it('a failing filter clears the preview and says why beside the filter', async () => {
    const c = connectFake({
      'extract.tables': () => ({ key: KEY, tables: [{ schema: 'public', name: 'orders', rows: 2000 }] }),
      'extract.prepare': () => job,
      'extract.preview': (req) =>
        req.where === 'nope = 1'
          ? { error: { code: 'BAD_INPUT', message: 'The filter does not work on public.orders: column "nope" does not exist. Write only the part after WHERE, e.g. customer_id = 42.' } }
          : { columns: [{ name: 'id', type: 'integer' }], rows: [['7']], truncated: false },
    });
    disconnect = c.disconnect;
    await upToFindRows(c, 'public.orders (2,000 rows)');
    const filter = screen.getByRole('textbox', { name: 'Filter (SQL after WHERE)' });
    await userEvent.type(filter, 'id = 7');
    await userEvent.click(screen.getByRole('button', { name: 'Preview rows' }));
    await screen.findByRole('table', { name: 'Preview of public.orders: 1 row' });
    await userEvent.clear(filter);
    await userEvent.type(filter, 'nope = 1');
    await userEvent.click(screen.getByRole('button', { name: 'Preview rows' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('column "nope" does not exist');
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Copy rows into database' })).toBeNull();
    expect(filter.getAttribute('aria-describedby')).toBe(alert.id);
    expect(filter.getAttribute('aria-invalid')).toBe('true');
    // Beside the filter: inside the Find rows section, not at the bottom of the page.
    expect(within(screen.getByRole('region', { name: 'Find rows' })).getByRole('alert')).toBe(alert);
  });

  it('a backup chosen for one database does not carry over to the next database', async () => {
    const other = { ...TARGET, id: 't2', name: 'warehouse', dbUrl: 'postgresql://app@db:5432/warehouse' };
    const c = connectFake({
      'targets.list': () => [TARGET, other],
      'backups.list': (req) => ({ targetId: req.targetId, storage: 's3://backups/database_backups', backups: req.targetId === 't1' ? [backup('2026-11-25T10:11:12.000Z')] : [], listedAt: '2026-11-25T12:00:00.000Z' }),
    });
    disconnect = c.disconnect;
    render(<App />);
    const databases = () => within(screen.getByRole('navigation', { name: 'Databases' }));
    await screen.findByRole('navigation', { name: 'Databases' });
    await userEvent.click(await databases().findByRole('button', { name: /^shop, / }));
    await userEvent.click(await screen.findByRole('gridcell', { name: /^25 November 2026: 1 backup/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Extract rows from the backup taken 2026-11-25 10:11:12 UTC' }));
    expect(screen.getByRole('radio', { name: 'Specific backup' })).toHaveProperty('checked', true);
    await userEvent.click(databases().getByRole('button', { name: /^warehouse, / }));
    expect(screen.getByRole('heading', { name: 'Partial recovery: warehouse' })).toBeTruthy();
    expect(screen.getByRole('radio', { name: 'Latest backup' })).toHaveProperty('checked', true);
    expect(screen.queryByDisplayValue(KEY)).toBeNull();
    // And back: the key was chosen for shop, so shop still has it.
    await userEvent.click(databases().getByRole('button', { name: /^shop, / }));
    expect(screen.getByRole('radio', { name: 'Specific backup' })).toHaveProperty('checked', true);
  });
});
