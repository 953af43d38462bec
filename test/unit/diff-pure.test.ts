import { describe, expect, it } from 'vitest';
import type { BackupTable } from '../../shared/backup-contents.js';
import { compareContents, type TocDefinition } from '../../electron/engine/diff/compare-contents.js';
import { parsePrimaryKey, primaryKeyOf } from '../../electron/engine/diff/primary-key.js';
import { diffTableRows, type TextRow } from '../../electron/engine/diff/row-diff.js';

const t = (name: string, rows: number | null, fingerprint: string | null): BackupTable => ({ schema: 'public', name, rows, storedBytes: null, rawBytes: null, fingerprint });
const d = (kind: string, name: string, defn: string): TocDefinition => ({ kind, schema: 'public', name, defn });

describe('compareContents', () => {
  it('finds tables added, removed and changed by count or fingerprint, and changed definitions', () => {
    const diff = compareContents(
      { label: 'a', fingerprints: 'mmh3-128', tables: [t('kept', 3, 'f1'), t('gone', 1, 'x'), t('updated', 3, 'f2'), t('counted', 5, null)], definitions: [d('VIEW', 'v', 'CREATE VIEW v AS SELECT 1;'), d('TABLE DATA', 'kept', ''), d('FUNCTION', 'f()', 'CREATE FUNCTION f() …'), d('SEQUENCE SET', 's', "SELECT setval('s', 1)")] },
      { label: 'b', fingerprints: 'mmh3-128', tables: [t('kept', 3, 'f1'), t('updated', 3, 'f3'), t('counted', 6, null), t('new', 0, 'e')], definitions: [d('VIEW', 'v', 'CREATE VIEW v AS SELECT 2;'), d('TABLE', 'new', 'CREATE TABLE new ();'), d('SEQUENCE SET', 's', "SELECT setval('s', 9)")] },
    );
    expect(diff.tables.map((x) => [x.name, x.change, x.rowsBefore, x.rowsAfter])).toEqual([
      ['counted', 'changed', 5, 6],
      ['gone', 'removed', 1, null],
      ['kept', 'unchanged', 3, 3],
      ['new', 'added', null, 0],
      ['updated', 'changed', 3, 3],
    ]);
    expect(diff.definitions.map((x) => [x.kind, x.name, x.change])).toEqual([
      ['FUNCTION', 'f()', 'removed'],
      ['TABLE', 'new', 'added'],
      ['VIEW', 'v', 'changed'],
    ]);
  });
});

describe('fingerprints of two kinds', () => {
  it('compares only row counts between an index of SHA-256 sums (the first version) and a newer one', () => {
    const before = { label: 'old', fingerprints: 'sha256' as const, tables: [t('same', 3, 'aa'), t('grown', 3, 'bb')], definitions: [] };
    const after = { label: 'new', fingerprints: 'mmh3-128' as const, tables: [t('same', 3, 'cc'), t('grown', 4, 'dd')], definitions: [] };
    expect(compareContents(before, after).tables.map((x) => [x.name, x.change])).toEqual([
      ['grown', 'changed'],
      ['same', 'unchanged'],
    ]);
    // Two indexes of the first version still compare by fingerprint.
    expect(compareContents(before, { ...before, label: 'old2', tables: [t('same', 3, 'ab'), t('grown', 3, 'bb')] }).tables.find((x) => x.name === 'same')?.change).toBe('changed');
  });
});

describe('primary keys from the table of contents', () => {
  it('reads plain and quoted names, and ignores other constraints', () => {
    expect(parsePrimaryKey('ALTER TABLE ONLY public.orders\n    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);\n')).toEqual({ table: { schema: 'public', name: 'orders' }, columns: ['id'] });
    expect(parsePrimaryKey('ALTER TABLE ONLY "Sales"."Line, Items"\n    ADD CONSTRAINT "pk" PRIMARY KEY (order_id, "Line ""No""");\n')).toEqual({ table: { schema: 'Sales', name: 'Line, Items' }, columns: ['order_id', 'Line "No"'] });
    expect(parsePrimaryKey('ALTER TABLE ONLY public.orders\n    ADD CONSTRAINT orders_u UNIQUE (code);\n')).toBeNull();
    const defs = [d('CONSTRAINT', 'orders orders_u', 'ALTER TABLE ONLY public.orders\n    ADD CONSTRAINT orders_u UNIQUE (code);'), d('CONSTRAINT', 'orders orders_pkey', 'ALTER TABLE ONLY public.orders\n    ADD CONSTRAINT orders_pkey PRIMARY KEY (a, b);')];
    expect(primaryKeyOf(defs, { schema: 'public', name: 'orders' })).toEqual(['a', 'b']);
    expect(primaryKeyOf(defs, { schema: 'public', name: 'other' })).toBeNull();
  });
});

const side = (columns: string[], rows: TextRow[]) => () =>
  Promise.resolve({
    columns,
    each: (onRow: (r: TextRow) => void) => {
      rows.forEach(onRow);
      return Promise.resolve();
    },
  });

describe('diffTableRows', () => {
  it('reports rows added, removed and changed (with the changed columns), whatever the order', async () => {
    const before = side(['id', 'name', 'note'], [['3', 'c', null], ['1', 'a', ''], ['2', 'b', 'x']]);
    const after = side(['id', 'name', 'note'], [['2', 'B', 'x'], ['1', 'a', null], ['4', 'd', 'new']]);
    const r = await diffTableRows({ schema: 'public', table: 't', keyColumns: ['id'], before, after, limit: 100 });
    expect(r.counts).toEqual({ added: 1, removed: 1, changed: 2 });
    expect(r.truncated).toBe(false);
    expect(r.changes).toEqual([
      { change: 'changed', key: ['2'], before: ['2', 'b', 'x'], after: ['2', 'B', 'x'], changedColumns: ['name'] },
      { change: 'changed', key: ['1'], before: ['1', 'a', ''], after: ['1', 'a', null], changedColumns: ['note'] },
      { change: 'added', key: ['4'], after: ['4', 'd', 'new'] },
      { change: 'removed', key: ['3'], before: ['3', 'c', null] },
    ]);
  });

  it('keeps at most the limit, with complete counts, and compares only the columns both sides have', async () => {
    const before = side(['id', 'old'], [['1', 'x'], ['2', 'y']]);
    const after = side(['id', 'added'], [['1', 'p'], ['2', 'q'], ['3', 'r'], ['4', 's']]);
    const r = await diffTableRows({ schema: 'public', table: 't', keyColumns: ['id'], before, after, limit: 1 });
    expect(r.columns).toEqual(['id']);
    expect(r.counts).toEqual({ added: 2, removed: 0, changed: 0 });
    expect(r.changes).toHaveLength(1);
    expect(r.truncated).toBe(true);
  });

  it('refuses a key that does not identify rows', async () => {
    const dup = side(['id'], [['1'], ['1']]);
    await expect(diffTableRows({ schema: 'public', table: 't', keyColumns: ['id'], before: dup, after: dup, limit: 5 })).rejects.toThrow(/two rows with the key/);
  });
});
