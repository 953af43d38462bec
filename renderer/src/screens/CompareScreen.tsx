import { useEffect, useId, useState } from 'react';
import type { BackupDiff, TableRowDiff } from '../../../shared/backup-contents.js';
import type { TargetView } from '../../../shared/ipc-contract.js';
import { useCall } from '../api/use-call.js';
import { ErrorText } from '../components/ErrorText.js';
import { formatDateTimeUtc } from '../lib/format.js';
import { backupsOf, useBackups } from '../stores/backups-store.js';
import { chosenKeyFor, useNav } from '../stores/nav-store.js';

const ROW_LIMIT = 200;

/** A comparison asked for: between two backups (older first), or a backup against the live database. */
type Asked = { kind: 'backups'; before: string; after: string } | { kind: 'live'; key: string };

const count = (n: number | null): string => (n === null ? '?' : n.toLocaleString('en'));
const values = (v: readonly (string | null)[] | undefined): string => (v ?? []).map((x) => x ?? 'NULL').join(', ');

/**
 * Compare a backup with another one, or with the live database ("what changed since this
 * backup?", the question before and after a risky migration): tables added, removed and changed,
 * definitions that changed, and for a changed table the rows that changed, by primary key.
 */
export function CompareScreen({ target }: { target: TargetView }) {
  const ids = useId();
  const key = useNav((s) => chosenKeyFor(s, target.id));
  const backups = useBackups((s) => backupsOf(s, target.id));
  const others = backups.entries.filter((b) => b.key !== key);
  const [other, setOther] = useState('');
  // What was asked for with the buttons; the answers come through useCall, so a slow answer to an
  // earlier comparison never replaces the one asked for last.
  const [asked, setAsked] = useState<Asked | null>(null);
  const [rowsOf, setRowsOf] = useState<string | null>(null);
  const betweenBackups = useCall('compare.backups', asked?.kind === 'backups' ? { targetId: target.id, before: asked.before, after: asked.after } : null);
  const sinceBackup = useCall('compare.live', asked?.kind === 'live' ? { targetId: target.id, key: asked.key } : null);
  const comparison = asked?.kind === 'live' ? sinceBackup : betweenBackups;
  const diff: BackupDiff | null = comparison.data;
  const changedRows = useCall('compare.rows', diff && rowsOf ? { targetId: target.id, before: diff.before, ...(diff.after === 'live' ? {} : { after: diff.after }), table: rowsOf, limit: ROW_LIMIT } : null);
  const rows: TableRowDiff | null = changedRows.data;
  const busy = betweenBackups.loading ? 'backups' : sinceBackup.loading ? 'live' : changedRows.loading ? 'rows' : null;
  const error = comparison.error ?? changedRows.error;

  useEffect(() => {
    if (!useBackups.getState().byTarget[target.id]) void useBackups.getState().load(target.id);
  }, [target.id]);

  /** Asks for a comparison; the same one again is read again (the live database may have changed). */
  const ask = (next: Asked) => {
    setRowsOf(null);
    if (JSON.stringify(next) === JSON.stringify(asked)) comparison.refresh();
    else setAsked(next);
  };

  if (!key) {
    return (
      <section aria-labelledby="compare-title">
        <h2 id="compare-title">Compare</h2>
        <p>Choose a backup on the calendar and press Compare.</p>
      </section>
    );
  }

  // The older backup is "before", whichever was chosen first.
  const ordered = (a: string, b: string): [string, string] => {
    const at = (k: string) => backups.entries.find((e) => e.key === k)?.createdAt ?? k;
    return at(a) <= at(b) ? [a, b] : [b, a];
  };
  const compareBackups = () => {
    const [before, after] = ordered(key, other);
    ask({ kind: 'backups', before, after });
  };
  const compareLive = () => ask({ kind: 'live', key });
  const showRows = (table: string) => {
    if (table === rowsOf) changedRows.refresh();
    else setRowsOf(table);
  };

  const changedTables = diff?.tables.filter((t) => t.change !== 'unchanged') ?? [];
  const unchanged = (diff?.tables.length ?? 0) - changedTables.length;
  return (
    <section aria-labelledby="compare-title" className="compare">
      <header className="screen-header">
        <h2 id="compare-title">Compare backup</h2>
        <p className="muted">
          <code className="key">{key}</code>
        </p>
      </header>
      <div className="row">
        <label htmlFor={`${ids}-other`}>Compare with</label>
        <select id={`${ids}-other`} value={other} onChange={(e) => setOther(e.target.value)} disabled={busy !== null}>
          <option value="">Choose another backup…</option>
          {others.map((b) => (
            <option key={b.key} value={b.key}>
              {formatDateTimeUtc(b.createdAt)}
              {b.label ? ` — ${b.label}` : ''}
            </option>
          ))}
        </select>
        <button type="button" className="primary" disabled={busy !== null || other === ''} onClick={compareBackups}>
          Compare
        </button>
        <button type="button" disabled={busy !== null} onClick={compareLive}>
          What changed since this backup?
        </button>
      </div>
      {busy === 'backups' && <p role="status">Comparing the two backups’ indexes…</p>}
      {busy === 'live' && <p role="status">Reading the live database (every table is counted and fingerprinted)…</p>}
      <ErrorText message={error} />
      {diff?.fromCopy && (
        <p role="note" className="warn" aria-label="Read from a copy">
          {diff.fromCopy}
        </p>
      )}
      {diff && (
        <section aria-label="Differences" className="diff">
          <h3>
            {diff.before} → {diff.after === 'live' ? 'the live database' : diff.after}
          </h3>
          <table className="backups">
            <caption>
              {changedTables.length === 0 ? 'No table changed' : `${changedTables.length} table${changedTables.length === 1 ? '' : 's'} changed`}
              {unchanged > 0 ? `; ${unchanged} unchanged` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Table</th>
                <th scope="col">Change</th>
                <th scope="col">Rows before</th>
                <th scope="col">Rows after</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {changedTables.map((t) => {
                const name = `${t.schema}.${t.name}`;
                return (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td>{t.change}</td>
                    <td>{count(t.rowsBefore)}</td>
                    <td>{count(t.rowsAfter)}</td>
                    <td>
                      {t.change === 'changed' && (
                        <button type="button" aria-label={`Show changed rows of ${name}`} disabled={busy !== null} onClick={() => showRows(name)}>
                          Show changed rows
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <table className="backups">
            <caption>{diff.definitions.length === 0 ? 'No definition changed' : `${diff.definitions.length} definition${diff.definitions.length === 1 ? '' : 's'} changed`}</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Name</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {diff.definitions.map((d, i) => (
                <tr key={i}>
                  <td>{d.kind}</td>
                  <th scope="row">{d.schema ? `${d.schema}.${d.name}` : d.name}</th>
                  <td>{d.change}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {busy === 'rows' && <p role="status">Comparing rows by primary key…</p>}
      {rows?.fromCopy && rows.fromCopy !== diff?.fromCopy && (
        <p role="note" className="warn" aria-label="Rows read from a copy">
          {rows.fromCopy}
        </p>
      )}
      {rows && (
        <table className="backups">
          <caption>
            Rows of {rows.schema}.{rows.table} that changed, by {rows.keyColumns.join(', ')}
            {rows.counts ? `: ${rows.counts.added.toLocaleString('en')} added, ${rows.counts.removed.toLocaleString('en')} removed, ${rows.counts.changed.toLocaleString('en')} changed` : ''}
            {rows.truncated ? ` (showing the first ${rows.changes.length})` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Change</th>
              <th scope="col">Columns</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {rows.changes.map((c, i) => (
              <tr key={i}>
                <th scope="row">{values(c.key)}</th>
                <td>{c.change}</td>
                <td>{c.changedColumns?.join(', ') ?? ''}</td>
                <td>{c.before ? values(c.before) : ''}</td>
                <td>{c.after ? values(c.after) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
