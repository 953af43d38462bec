import { FolderSearch } from 'lucide-react';
import { useEffect, useId, useMemo, useState } from 'react';
import type { TargetView } from '../../../shared/ipc-contract.js';
import { useCall } from '../api/use-call.js';
import { DataGrid } from '../components/DataGrid.js';
import { EmptyState } from '../components/ui/EmptyState.js';
import { ErrorText } from '../components/ErrorText.js';
import { formatBytes } from '../lib/format.js';
import { chosenKeyFor, useNav } from '../stores/nav-store.js';

/** Rows read for the grid: enough to scroll through, few enough to be read in a moment. */
const PEEK_LIMIT = 500;

const qualified = (t: { schema: string; name: string }): string => `${t.schema}.${t.name}`;

/**
 * Browse a backup without restoring it: its tables (name, rows, size) with a search box, and the
 * first rows of the chosen table read straight from the backup. From there, partial recovery of
 * that table, or a comparison with another backup or the live database.
 */
export function BrowseScreen({ target }: { target: TargetView }) {
  const ids = useId();
  const key = useNav((s) => chosenKeyFor(s, target.id));
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<string | null>(null);
  // Another backup: its own tables, none chosen yet.
  useEffect(() => setChosen(null), [key]);
  // Keyed on the request: rows of a table clicked before never replace those of the table clicked now.
  const contentsCall = useCall('browse.show', key ? { targetId: target.id, key } : null);
  const peekCall = useCall('browse.peek', key && chosen ? { targetId: target.id, key, table: chosen, limit: PEEK_LIMIT } : null);
  const contents = contentsCall.data;
  const peek = peekCall.data;
  const error = contentsCall.error ?? peekCall.error;

  const q = query.trim().toLowerCase();
  const tables = useMemo(() => (contents?.tables ?? []).filter((t) => q === '' || qualified(t).toLowerCase().includes(q)), [contents, q]);

  if (!key) {
    return (
      <section aria-labelledby="browse-title">
        <h2 id="browse-title">Browse a backup</h2>
        <EmptyState icon={FolderSearch} title="No backup chosen" action={<button type="button" onClick={() => useNav.getState().go('calendar')}>Open the calendar</button>}>
          Choose a backup on the calendar and press Browse to see its tables and rows without restoring it.
        </EmptyState>
      </section>
    );
  }

  return (
    <section aria-labelledby="browse-title" className="browse">
      <header className="screen-header">
        <h2 id="browse-title">Browse backup</h2>
        <p className="muted">
          <code className="key">{key}</code>
          {contents ? ` · ${contents.database ?? 'unknown database'} · ${contents.format === 'custom' ? 'custom archive' : 'plain SQL'}${contents.indexed ? '' : ' · not indexed: figures from the manifest'}` : ''}
        </p>
        <div className="row" role="toolbar" aria-label="Backup actions">
          <button type="button" onClick={() => useNav.getState().openWith('compare', key, target.id)}>
            Compare with…
          </button>
          <button type="button" onClick={() => useNav.getState().go('calendar')}>
            Back to the calendar
          </button>
        </div>
      </header>
      {contentsCall.loading && <p role="status">Reading the backup’s index…</p>}
      {contents?.fromCopy && (
        <p role="note" className="warn" aria-label="Read from a copy">
          {contents.fromCopy}
        </p>
      )}
      <ErrorText message={error} />
      {contents && (
        <>
          <label htmlFor={`${ids}-search`}>Search tables</label>
          <input id={`${ids}-search`} type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="orders" />
          <table className="backups">
            <caption>
              {tables.length} of {contents.tables.length} table{contents.tables.length === 1 ? '' : 's'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Table</th>
                <th scope="col">Rows</th>
                <th scope="col">Size in the backup</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tables.map((t) => {
                const name = qualified(t);
                return (
                  <tr key={name} aria-selected={chosen === name}>
                    <th scope="row">{name}</th>
                    <td>{t.rows === null ? 'unknown' : t.rows.toLocaleString('en')}</td>
                    <td>{t.storedBytes === null ? 'unknown' : formatBytes(t.storedBytes)}</td>
                    <td>
                      <button type="button" aria-label={`Show rows of ${name}`} onClick={() => setChosen(name)}>
                        Show rows
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {contents.objects.length > 0 && (
            <details>
              <summary>Other objects ({contents.objects.length})</summary>
              <ul>
                {contents.objects.map((o, i) => (
                  <li key={i}>
                    {o.kind} {o.schema ? `${o.schema}.` : ''}
                    {o.name}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
      {chosen && (
        <section aria-label={`Rows of ${chosen}`} className="browse-rows">
          <h3>{chosen}</h3>
          {peekCall.loading && <p role="status">Reading rows from the backup…</p>}
          {peek && (
            <>
              <p role="status">
                {peek.rows.length === 0 ? 'This table has no rows in the backup.' : `${peek.truncated ? 'The first ' : ''}${peek.rows.length.toLocaleString('en')} row${peek.rows.length === 1 ? '' : 's'}${peek.truncated ? '' : ' (all of them)'}.`}
              </p>
              <DataGrid label={`Rows of ${chosen}`} columns={peek.columns} rows={peek.rows} />
            </>
          )}
          <div className="row">
            <button type="button" className="primary" onClick={() => useNav.getState().openWith('extract', key, target.id, chosen)}>
              Recover rows…
            </button>
          </div>
        </section>
      )}
    </section>
  );
}
