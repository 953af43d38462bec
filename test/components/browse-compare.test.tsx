import { act, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupContents, BackupDiff } from '../../shared/backup-contents.js';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { backup, connectFake } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const older = backup('2026-11-20T03:00:00.000Z');
const newer = backup('2026-11-25T10:11:12.000Z', { label: 'after migration 42' });
const listing = { targetId: 't1', storage: 's3://backups/database_backups', backups: [newer, older], listedAt: '2026-11-25T12:00:00.000Z' };

const contents: BackupContents = {
  key: newer.key,
  database: 'shop',
  format: 'custom',
  indexed: true,
  schemas: ['public'],
  tables: [
    { schema: 'public', name: 'customers', rows: 200, storedBytes: 4096, rawBytes: 9000, fingerprint: 'a' },
    { schema: 'public', name: 'orders', rows: 2000, storedBytes: 40960, rawBytes: 90000, fingerprint: 'b' },
  ],
  objects: [{ kind: 'VIEW', schema: 'public', name: 'big_orders' }],
};
// The first 500 of 2,000 rows: the grid draws only those in view.
const orderRows = Array.from({ length: 500 }, (_, i) => [String(i + 1), i === 1 ? null : i === 2 ? '' : `note ${i + 1}`]);

describe('Browse a backup', () => {
  it('lists tables with a search box, shows a virtualized, keyboard-navigable grid of rows, and recovers rows of the table', async () => {
    const c = connectFake({
      'backups.list': () => listing,
      'browse.show': () => contents,
      'browse.peek': () => ({ key: newer.key, schema: 'public', table: 'orders', columns: ['id', 'note'], rows: orderRows, truncated: true }),
      'extract.tables': () => ({ key: newer.key, tables: [{ schema: 'public', name: 'customers', rows: 200 }, { schema: 'public', name: 'orders', rows: 2000 }] }),
    });
    disconnect = c.disconnect;
    render(<App />);
    await userEvent.click(await screen.findByRole('gridcell', { name: /^25 November 2026/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Browse the backup taken 2026-11-25 10:11:12 UTC' }));
    const tables = await screen.findByRole('table', { name: '2 of 2 tables' });
    expect(within(tables).getByRole('rowheader', { name: 'public.orders' })).toBeTruthy();
    expect(within(tables).getByText('2,000')).toBeTruthy();
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search tables' }), 'ord');
    expect(screen.getByRole('table', { name: '1 of 2 tables' })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Show rows of public.orders' }));
    expect(c.bridge.calls.find((x) => x.name === 'browse.peek')?.request).toEqual({ targetId: 't1', key: newer.key, table: 'public.orders', limit: 500 });

    const grid = await screen.findByRole('grid', { name: 'Rows of public.orders' });
    expect(grid.getAttribute('aria-rowcount')).toBe('501');
    expect(screen.getByText('The first 500 rows.')).toBeTruthy();
    // Virtualized: far fewer rows in the DOM than the 500 read.
    const drawn = within(grid).getAllByRole('row');
    expect(drawn.length).toBeLessThan(60);
    // NULL and '' stay apart.
    expect(within(grid).getAllByRole('gridcell').slice(2, 6).map((x) => x.textContent)).toEqual(['2', 'NULL', '3', '']);
    // Keyboard: the first cell is in the tab order; arrows and PageDown move focus, drawing new rows.
    const firstCell = within(grid).getAllByRole('gridcell')[0]!;
    expect(firstCell.tabIndex).toBe(0);
    firstCell.focus();
    await userEvent.keyboard('{ArrowRight}{ArrowDown}');
    expect(document.activeElement?.textContent).toBe('NULL');
    await userEvent.keyboard('{Control>}{End}{/Control}');
    expect(document.activeElement?.textContent).toBe('note 500');
    expect(document.activeElement?.closest('[role="row"]')?.getAttribute('aria-rowindex')).toBe('501');

    await userEvent.click(screen.getByRole('button', { name: 'Recover rows…' }));
    expect(useNav.getState()).toMatchObject({ screen: 'extract', chosen: { targetId: 't1', key: newer.key }, chosenTable: 'public.orders' });
    expect(await screen.findByRole('checkbox', { name: 'public.orders (2,000 rows)' })).toHaveProperty('checked', true);
    expect(screen.getByRole('checkbox', { name: 'public.customers (200 rows)' })).toHaveProperty('checked', false);
  });

  it('says why a backup cannot be browsed', async () => {
    const c = connectFake({ 'backups.list': () => listing, 'browse.show': () => ({ error: { code: 'NOT_FOUND', message: 'There is no backup x; pick one from the list.' } }) });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().openWith('browse', newer.key, 't1'));
    expect((await screen.findByRole('alert')).textContent).toContain('There is no backup x');
  });
});

const diff: BackupDiff = {
  before: older.key,
  after: newer.key,
  tables: [
    { schema: 'public', name: 'customers', change: 'unchanged', rowsBefore: 200, rowsAfter: 200 },
    { schema: 'public', name: 'orders', change: 'changed', rowsBefore: 2000, rowsAfter: 2001 },
    { schema: 'public', name: 'refunds', change: 'added', rowsBefore: null, rowsAfter: 3 },
  ],
  definitions: [{ kind: 'VIEW', schema: 'public', name: 'big_orders', change: 'changed' }],
};

describe('Compare', () => {
  it('compares a backup with an older one (older first) and shows the changed rows of a table', async () => {
    const c = connectFake({
      'backups.list': () => listing,
      'compare.backups': () => diff,
      'compare.rows': () => ({ schema: 'public', table: 'orders', columns: ['id', 'total'], keyColumns: ['id'], truncated: false, changes: [{ change: 'changed', key: ['7'], changedColumns: ['total'], before: ['7', '8.75'], after: ['7', '9.00'] }, { change: 'added', key: ['2001'], after: ['2001', '1.00'] }] }),
    });
    disconnect = c.disconnect;
    render(<App />);
    await userEvent.click(await screen.findByRole('gridcell', { name: /^25 November 2026/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Compare the backup taken 2026-11-25 10:11:12 UTC' }));
    await userEvent.selectOptions(await screen.findByRole('combobox', { name: 'Compare with' }), older.key);
    await userEvent.click(screen.getByRole('button', { name: 'Compare' }));
    expect(c.bridge.calls.find((x) => x.name === 'compare.backups')?.request).toEqual({ targetId: 't1', before: older.key, after: newer.key });
    const tables = await screen.findByRole('table', { name: '2 tables changed; 1 unchanged' });
    expect(within(tables).getAllByRole('row').slice(1).map((r) => r.textContent)).toEqual(['public.orderschanged2,0002,001Show changed rows', 'public.refundsadded?3']);
    expect(within(screen.getByRole('table', { name: '1 definition changed' })).getByRole('rowheader', { name: 'public.big_orders' })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Show changed rows of public.orders' }));
    expect(c.bridge.calls.find((x) => x.name === 'compare.rows')?.request).toEqual({ targetId: 't1', before: older.key, after: newer.key, table: 'public.orders', limit: 200 });
    const rows = await screen.findByRole('table', { name: 'Rows of public.orders that changed, by id' });
    expect(within(rows).getAllByRole('row').slice(1).map((r) => r.textContent)).toEqual(['7changedtotal7, 8.757, 9.00', '2001added2001, 1.00']);
  });

  it('says which copy it read when the storage could not give a backup', async () => {
    const fromCopy = `Read ${older.key} from the copy at s3://backups-dr/database_backups, because s3://backups/database_backups could not give it: There is no backup ${older.key} in s3://backups/database_backups.`;
    const c = connectFake({ 'backups.list': () => listing, 'compare.backups': () => ({ ...diff, fromCopy }) });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().openWith('compare', newer.key, 't1'));
    await userEvent.selectOptions(await screen.findByRole('combobox', { name: 'Compare with' }), older.key);
    await userEvent.click(screen.getByRole('button', { name: 'Compare' }));
    expect((await screen.findByRole('note', { name: 'Read from a copy' })).textContent).toBe(fromCopy);
  });

  it('asks what changed in the live database since a backup', async () => {
    const c = connectFake({ 'backups.list': () => listing, 'compare.live': () => ({ ...diff, before: newer.key, after: 'live', definitions: [] }) });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().openWith('compare', newer.key, 't1'));
    await userEvent.click(await screen.findByRole('button', { name: 'What changed since this backup?' }));
    expect(c.bridge.calls.find((x) => x.name === 'compare.live')?.request).toEqual({ targetId: 't1', key: newer.key });
    expect((await screen.findByRole('heading', { name: `${newer.key} → the live database` })).tagName).toBe('H3');
    expect(screen.getByRole('table', { name: 'No definition changed' })).toBeTruthy();
  });
});
