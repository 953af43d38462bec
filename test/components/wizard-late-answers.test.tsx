// The wizards' reducers ignore answers that no longer fit their step; these check the wiring in
// the screens: a late answer never replaces what the user moved on to.
import { act, fireEvent, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { RestoreReview } from '../../shared/ipc-contract.js';
import { App } from '../../renderer/src/App.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { restoreReview, REVIEWED_KEY } from '../support/restore-review-fixture.js';
import { connectFake } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => {
  disconnect();
  delete (window as unknown as { lifeboat?: unknown }).lifeboat;
});

const KEY = REVIEWED_KEY;
const review = restoreReview();

describe('wizards and late answers', () => {
  it('restore: a review still on its way when a file is dropped is not shown for the file', async () => {
    (window as unknown as { lifeboat: { localFilePath: (f: File) => string } }).lifeboat = { localFilePath: (f) => `/home/dba/Downloads/${f.name}` };
    let answer: (r: RestoreReview) => void = () => undefined;
    const c = connectFake({ 'restore.review': () => new Promise<RestoreReview>((r) => (answer = r)) as unknown as RestoreReview });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().go('restore'));
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));
    expect(screen.getByRole('button', { name: 'Checking…' })).toHaveProperty('disabled', true);
    fireEvent.drop(screen.getByRole('region', { name: /^Restore: / }), { dataTransfer: { files: [new File(['PGDMP'], 'shop.dump')] } });
    // The latest backup's review answers now: it is for a choice the user has left.
    await act(async () => {
      answer(review);
      await Promise.resolve();
    });
    expect(screen.queryByRole('region', { name: 'Review' })).toBeNull();
    expect(screen.getByRole('textbox', { name: 'Dump file path' })).toHaveProperty('value', '/home/dba/Downloads/shop.dump');
    expect(screen.getByRole('button', { name: 'Review' })).toHaveProperty('disabled', false);
  });

  it('partial recovery: while a table listing is on its way the backup cannot change and no second listing starts', async () => {
    let answer: (r: { key: string; tables: { schema: string; name: string; rows: number }[] }) => void = () => undefined;
    const c = connectFake({ 'extract.tables': () => new Promise((r) => (answer = r)) as unknown as { key: string; tables: [] } });
    disconnect = c.disconnect;
    render(<App />);
    await screen.findByRole('grid');
    act(() => useNav.getState().go('extract'));
    await userEvent.click(screen.getByRole('button', { name: 'Show tables' }));
    expect(screen.getByRole('button', { name: 'Show tables' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('radio', { name: 'Specific backup' }).matches(':disabled')).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: 'Show tables' }));
    expect(c.bridge.calls.filter((x) => x.name === 'extract.tables')).toHaveLength(1);
    await act(async () => {
      answer({ key: KEY, tables: [{ schema: 'public', name: 'orders', rows: 2000 }] });
      await Promise.resolve();
    });
    expect(await screen.findByRole('checkbox', { name: 'public.orders (2,000 rows)' })).toBeTruthy();
  });
});
