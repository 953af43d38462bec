import { describe, expect, it } from 'vitest';
import {
  extractWizard,
  initialExtractWizard,
  isStale,
  prepareRequest,
  rowsSelection,
  tablesRequest,
  type ExtractStep,
  type ExtractWizardAction,
  type ExtractWizardState,
} from '../../renderer/src/wizards/extract-wizard.js';

const KEY = 'database_backups/2026/11/25/shop_20261125_101112.dump';
const TOC = { key: KEY, tables: [{ schema: 'public', name: 'orders', rows: 2000 }, { schema: 'public', name: 'customers', rows: 40 }] };

const run = (s: ExtractWizardState, ...actions: ExtractWizardAction[]): ExtractWizardState => actions.reduce(extractWizard, s);
const fresh = (): ExtractWizardState => initialExtractWizard(null, false);
function at(step: ExtractStep): ExtractWizardState {
  const path: Record<ExtractStep, ExtractWizardAction[]> = {
    choose: [],
    listing: [{ type: 'tables-asked' }],
    pick: [{ type: 'tables-asked' }, { type: 'tables-answered', tables: TOC, preselect: null }],
    preparing: [{ type: 'tables-asked' }, { type: 'tables-answered', tables: TOC, preselect: null }, { type: 'table-toggled', table: 'public.orders', picked: true }, { type: 'prepare-asked' }],
    prepared: [{ type: 'tables-asked' }, { type: 'tables-answered', tables: TOC, preselect: null }, { type: 'table-toggled', table: 'public.orders', picked: true }, { type: 'prepare-asked' }, { type: 'prepared' }],
  };
  const s = run(fresh(), ...path[step]);
  expect(s.step).toBe(step);
  return s;
}

describe('partial-recovery wizard reducer', () => {
  it('starts on the chosen backup or the latest; on the job when one is shown', () => {
    expect(initialExtractWizard(KEY, false)).toMatchObject({ step: 'choose', backup: { kind: 'key', key: KEY }, tables: null, picked: [] });
    expect(initialExtractWizard(null, false).backup).toEqual({ kind: 'latest', key: '' });
    expect(initialExtractWizard(null, true).step).toBe('prepared');
  });

  it('choose → listing → pick → preparing → prepared → choose', () => {
    let s = run(fresh(), { type: 'tables-asked' });
    expect(s.step).toBe('listing');
    s = run(s, { type: 'tables-answered', tables: TOC, preselect: null });
    expect(s).toMatchObject({ step: 'pick', tables: TOC, picked: [] });
    s = run(s, { type: 'table-toggled', table: 'public.customers', picked: true }, { type: 'table-toggled', table: 'public.orders', picked: true });
    expect(s.picked).toEqual(['public.customers', 'public.orders']);
    s = run(s, { type: 'prepare-asked' });
    expect(s.step).toBe('preparing');
    s = run(s, { type: 'prepared' });
    // The first picked table is the one to find rows in.
    expect(s).toMatchObject({ step: 'prepared', table: 'public.customers', where: '', asked: null });
    s = run(s, { type: 'start-over' });
    expect(s).toMatchObject({ step: 'choose', tables: null, picked: [], table: '', where: '', asked: null, error: null });
  });

  it('a table chosen while browsing is picked when the backup has it, and only then', () => {
    expect(run(at('listing'), { type: 'tables-answered', tables: TOC, preselect: 'public.orders' }).picked).toEqual(['public.orders']);
    expect(run(at('listing'), { type: 'tables-answered', tables: TOC, preselect: 'public.gone' }).picked).toEqual([]);
  });

  it('unticking removes a table; ticking twice keeps it once', () => {
    const s = run(at('pick'), { type: 'table-toggled', table: 'public.orders', picked: true }, { type: 'table-toggled', table: 'public.orders', picked: true });
    expect(s.picked).toEqual(['public.orders']);
    expect(run(s, { type: 'table-toggled', table: 'public.orders', picked: false }).picked).toEqual([]);
  });

  it('another backup drops the listed tables; a failed listing says why and lists nothing', () => {
    const other = { kind: 'key' as const, key: 'database_backups/2026/11/24/shop_20261124_030000.dump' };
    expect(run(at('pick'), { type: 'backup-changed', backup: other })).toMatchObject({ step: 'choose', backup: other, tables: null, picked: [] });
    expect(run(at('listing'), { type: 'tables-failed', error: 'That backup is a plain SQL dump.' })).toMatchObject({ step: 'choose', tables: null, error: 'That backup is a plain SQL dump.' });
    // Listing again from the pick step is allowed (and clears the last error).
    expect(run(at('pick'), { type: 'tables-asked' })).toMatchObject({ step: 'listing', error: null });
  });

  it('a failed restore into the temporary database returns to the picked tables with the reason', () => {
    expect(run(at('preparing'), { type: 'prepare-failed', error: 'The server refused.' })).toMatchObject({ step: 'pick', picked: ['public.orders'], error: 'The server refused.' });
  });

  it('Preview asks for the form’s table and filter; editing them makes the rows stale until previewed again', () => {
    let s = run(at('prepared'), { type: 'filter-typed', where: 'customer_id = 42' }, { type: 'preview-asked' });
    expect(s.asked).toEqual({ table: 'public.orders', where: 'customer_id = 42' });
    expect(isStale(s)).toBe(false);
    s = run(s, { type: 'filter-typed', where: 'customer_id = 41' });
    expect(isStale(s)).toBe(true);
    s = run(s, { type: 'filter-typed', where: 'customer_id = 42' });
    expect(isStale(s)).toBe(false);
    s = run(s, { type: 'table-chosen', table: 'public.customers' });
    expect(isStale(s)).toBe(true);
    s = run(s, { type: 'preview-asked' });
    expect(s.asked).toEqual({ table: 'public.customers', where: 'customer_id = 42' });
    // A dropped temporary database leaves no rows to act on.
    expect(run(s, { type: 'temp-dropped' }).asked).toBeNull();
  });

  it('ignores every action that does not fit the step (late answers, double clicks)', () => {
    const invalid: [ExtractStep, ExtractWizardAction][] = [
      // A listing that answers after the backup was changed, or twice.
      ['choose', { type: 'tables-answered', tables: TOC, preselect: null }],
      ['pick', { type: 'tables-answered', tables: { key: 'other', tables: [] }, preselect: null }],
      ['choose', { type: 'tables-failed', error: 'late' }],
      ['listing', { type: 'tables-asked' }],
      ['preparing', { type: 'tables-asked' }],
      ['prepared', { type: 'tables-asked' }],
      ['listing', { type: 'backup-changed', backup: { kind: 'latest', key: '' } }],
      ['preparing', { type: 'backup-changed', backup: { kind: 'latest', key: '' } }],
      ['prepared', { type: 'backup-changed', backup: { kind: 'latest', key: '' } }],
      ['choose', { type: 'table-toggled', table: 'public.orders', picked: true }],
      ['preparing', { type: 'table-toggled', table: 'public.customers', picked: true }],
      ['prepared', { type: 'table-toggled', table: 'public.customers', picked: true }],
      // Nothing picked, or not in the pick step: no restore.
      ['pick', { type: 'prepare-asked' }],
      ['choose', { type: 'prepare-asked' }],
      ['preparing', { type: 'prepare-asked' }],
      ['pick', { type: 'prepare-failed', error: 'x' }],
      ['pick', { type: 'prepared' }],
      ['prepared', { type: 'prepared' }],
      ['pick', { type: 'table-chosen', table: 'public.orders' }],
      ['pick', { type: 'filter-typed', where: 'x' }],
      ['pick', { type: 'preview-asked' }],
      ['pick', { type: 'temp-dropped' }],
      ['choose', { type: 'start-over' }],
      ['pick', { type: 'start-over' }],
      ['preparing', { type: 'start-over' }],
    ];
    for (const [step, action] of invalid) {
      const s = at(step);
      expect(extractWizard(s, action), `${action.type} in ${step}`).toBe(s);
    }
    // Preview with no table to read (a job shown after the screen reopened) asks for nothing.
    const reopened = initialExtractWizard(null, true);
    expect(extractWizard(reopened, { type: 'preview-asked' })).toBe(reopened);
  });

  it('builds the requests: the listed backup exactly, and the previewed rows without an empty filter', () => {
    const s = at('preparing');
    expect(tablesRequest(fresh(), 't1')).toEqual({ targetId: 't1', backup: { kind: 'latest' } });
    // "Latest" was listed as KEY: the restore reads KEY even if a newer backup appeared.
    expect(prepareRequest(s, 't1')).toEqual({ targetId: 't1', backup: { kind: 'key', key: KEY }, tables: ['public.orders'] });
    expect(rowsSelection({ table: 'public.orders', where: '  ' }, 't1', 'lifeboat_shop_x')).toEqual({ targetId: 't1', tempDatabase: 'lifeboat_shop_x', table: 'public.orders' });
    expect(rowsSelection({ table: 'public.orders', where: 'id = 7' }, 't1', 'lifeboat_shop_x')).toEqual({ targetId: 't1', tempDatabase: 'lifeboat_shop_x', table: 'public.orders', where: 'id = 7' });
  });
});
