import { useEffect, useId, useReducer, useState } from 'react';
import type { TargetView } from '../../../shared/ipc-contract.js';
import { qualifiedTableName } from '../../../shared/row-format.js';
import { client } from '../api/client.js';
import { useAction } from '../api/use-action.js';
import { useCall } from '../api/use-call.js';
import { BackupChoiceFields } from '../components/BackupChoiceFields.js';
import { ErrorText } from '../components/ErrorText.js';
import { JobOutcome, JobProgressView } from '../components/JobProgressView.js';
import { TempDatabaseResult } from '../components/TempDatabaseResult.js';
import { extractSlot, jobInSlot, useJobs } from '../stores/jobs-store.js';
import { chosenKeyFor, useNav } from '../stores/nav-store.js';
import { stepRunner } from '../wizards/run-step.js';
import { extractWizard, initialExtractWizard, isStale, prepareRequest, rowsSelection, tablesRequest } from '../wizards/extract-wizard.js';

const PREVIEW_LIMIT = 200;

function download(filename: string, mimeType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Partial recovery: pick a backup → pick tables from its table of contents → restore them into a
 * temporary database (the engine's extract restore, as the CLI's) → write a filter → preview rows
 * → export CSV / JSON / SQL, or copy them into a database (inserted / skipped counts). Export and
 * Copy act on the previewed table and filter, and are disabled once the form no longer shows them.
 * The steps are a reducer (wizards/extract-wizard.ts); the previewed rows come through useCall.
 */
export function ExtractScreen({ target }: { target: TargetView }) {
  const ids = useId();
  // Only a backup chosen for this database: another database's key means nothing here.
  const chosenKey = useNav((s) => chosenKeyFor(s, target.id));
  // A table chosen while browsing the backup ("Recover rows…") starts out picked.
  const chosenTable = useNav((s) => s.chosenTable);
  const slot = extractSlot(target.id);
  const job = useJobs((s) => jobInSlot(s, slot));
  const prepareExtract = useJobs((s) => s.prepareExtract);
  const forget = useJobs((s) => s.forget);
  const [state, dispatch] = useReducer(extractWizard, null, () => initialExtractWizard(chosenKey ?? null, job !== undefined));
  const runStep = stepRunner(dispatch);
  const { tables, picked, table, where, asked } = state;
  const [intoUrl, setIntoUrl] = useState('');
  const [intoPassword, setIntoPassword] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  const temp = job?.state === 'done' ? job.resultDatabase : null;
  const rows = useCall('extract.preview', asked && temp ? { ...rowsSelection(asked, target.id, temp), limit: PREVIEW_LIMIT } : null);
  // No old rows stay on screen under a filter that failed; the reason sits beside the filter.
  const preview = asked && rows.data && !rows.error ? { ...asked, result: rows.data } : null;
  const filterError = rows.error;
  const stale = preview !== null && isStale(state);
  const busy = state.step === 'listing' || state.step === 'preparing' || rows.loading || action.busy;

  const loadTables = () => {
    setNotice(null);
    return runStep(
      { type: 'tables-asked' },
      () => client().call('extract.tables', tablesRequest(state, target.id)),
      (tables) => {
        // Read from a copy because the storage could not give the backup: said, as everywhere.
        if (tables.fromCopy) setNotice(tables.fromCopy);
        return { type: 'tables-answered', tables, preselect: chosenTable };
      },
      (error) => ({ type: 'tables-failed', error }),
    );
  };
  // Coming from Browse with a table: its backup's tables are listed at once, that table picked.
  useEffect(() => {
    if (chosenKey && chosenTable) void loadTables();
    // Once, when the screen opens (it is keyed by the chosen backup and table).
  }, []);
  const prepare = () => {
    setNotice(null);
    return runStep({ type: 'prepare-asked' }, () => prepareExtract(prepareRequest(state, target.id)), () => ({ type: 'prepared' }), (error) => ({ type: 'prepare-failed', error }));
  };
  const doPreview = () => {
    setNotice(null);
    action.setError(null);
    // The same table and filter again: read them again (the rows may have been copied meanwhile).
    if (asked && !isStale(state)) rows.refresh();
    else dispatch({ type: 'preview-asked' });
  };
  const doExport = (format: 'csv' | 'json' | 'sql') =>
    action.run(async () => {
      setNotice(null);
      if (!preview || stale || !temp) return;
      const r = await client().call('extract.export', { ...rowsSelection(preview, target.id, temp), format });
      download(r.filename, r.mimeType, r.content);
      setNotice(`Exported ${r.rowCount} row${r.rowCount === 1 ? '' : 's'} to ${r.filename}.`);
    });
  const doCopy = () =>
    action.run(async () => {
      setNotice(null);
      if (!preview || stale || !temp) return;
      const r = await client().call('extract.copy', { ...rowsSelection(preview, target.id, temp), intoDbUrl: intoUrl, ...(intoPassword ? { password: intoPassword } : {}) });
      setNotice(`Copied into database “${r.database}”: ${r.inserted} inserted, ${r.skipped} skipped (already there).`);
    });
  const startOver = () => {
    setNotice(null);
    action.setError(null);
    dispatch({ type: 'start-over' });
    forget(slot);
  };
  const staleNote = stale ? `${ids}-stale` : undefined;

  return (
    <section aria-labelledby="extract-title" className="extract">
      <h2 id="extract-title">Partial recovery: {target.name}</h2>
      {!job && (
        <>
          <BackupChoiceFields value={state.backup} onChange={(backup) => dispatch({ type: 'backup-changed', backup })} disabled={busy} />
          <div className="row">
            <button type="button" onClick={() => void loadTables()} disabled={busy}>
              Show tables
            </button>
          </div>
          {tables && (
            <fieldset>
              <legend>Tables to restore from {tables.key}</legend>
              {tables.tables.map((t) => {
                // Sent quoted where needed ("Sales ""EU"""."Order Lines"), so every name reaches the engine intact.
                const q = qualifiedTableName(t.schema, t.name);
                return (
                  <label key={q} className="check">
                    <input type="checkbox" checked={picked.includes(q)} onChange={(e) => dispatch({ type: 'table-toggled', table: q, picked: e.target.checked })} /> {t.schema}.{t.name}
                    {t.rows !== null ? ` (${t.rows.toLocaleString('en')} rows)` : ''}
                  </label>
                );
              })}
              <div className="row">
                <button type="button" className="primary" disabled={busy || picked.length === 0} onClick={() => void prepare()}>
                  Restore into a temporary database
                </button>
              </div>
            </fieldset>
          )}
        </>
      )}
      {job && job.state === 'running' && <JobProgressView job={job} />}
      {job && job.state !== 'running' && job.state !== 'done' && <JobOutcome job={job} />}
      {temp && (
        <>
          <p role="status" className="ok">
            Tables restored into the temporary database “{temp}”.
          </p>
          <section aria-label="Find rows" className="find-rows">
            <label htmlFor={`${ids}-table`}>Table</label>
            <select id={`${ids}-table`} value={table} onChange={(e) => dispatch({ type: 'table-chosen', table: e.target.value })}>
              {picked.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
            <label htmlFor={`${ids}-where`}>Filter (SQL after WHERE)</label>
            <textarea
              id={`${ids}-where`}
              value={where}
              onChange={(e) => dispatch({ type: 'filter-typed', where: e.target.value })}
              placeholder="customer_id = 42 AND created_at >= '2026-11-01'"
              rows={2}
              spellCheck={false}
              aria-invalid={filterError !== null}
              aria-describedby={filterError ? `${ids}-where-error` : undefined}
            />
            {filterError && (
              <p id={`${ids}-where-error`} role="alert" className="error">
                {filterError}
              </p>
            )}
            <div className="row">
              <button type="button" className="primary" disabled={busy} onClick={doPreview}>
                Preview rows
              </button>
            </div>
          </section>
          {preview && (
            <>
              <table className="backups preview">
                <caption>
                  Preview of {preview.table}: {preview.result.rows.length} row{preview.result.rows.length === 1 ? '' : 's'}
                  {preview.result.truncated ? ` (the first ${PREVIEW_LIMIT}; exports and copies take every matching row)` : ''}
                </caption>
                <thead>
                  <tr>
                    {preview.result.columns.map((c) => (
                      <th key={c.name} scope="col" title={c.type}>
                        {c.name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {preview.result.rows.map((r, i) => (
                    <tr key={i}>
                      {r.map((v, j) => (
                        <td key={j} className={v === null ? 'null' : undefined}>
                          {v ?? 'NULL'}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
              {stale && (
                <p id={staleNote} role="status" className="warn">
                  The table or filter changed since this preview; preview again to export or copy those rows.
                </p>
              )}
              <div className="row" role="group" aria-label="Export">
                <button type="button" disabled={busy || stale} aria-describedby={staleNote} onClick={() => void doExport('csv')}>
                  Export CSV
                </button>
                <button type="button" disabled={busy || stale} aria-describedby={staleNote} onClick={() => void doExport('json')}>
                  Export JSON
                </button>
                <button type="button" disabled={busy || stale} aria-describedby={staleNote} onClick={() => void doExport('sql')}>
                  Export SQL
                </button>
              </div>
              <section aria-label="Copy into a database" className="copy-into">
                <label htmlFor={`${ids}-into`}>Copy into database (URL)</label>
                <input id={`${ids}-into`} value={intoUrl} onChange={(e) => setIntoUrl(e.target.value)} placeholder="postgresql://user@db:5432/shop" spellCheck={false} />
                <label htmlFor={`${ids}-into-pw`}>Its password</label>
                <input id={`${ids}-into-pw`} type="password" autoComplete="new-password" value={intoPassword} onChange={(e) => setIntoPassword(e.target.value)} placeholder="optional" />
                <div className="row">
                  <button type="button" disabled={busy || stale || intoUrl.trim() === ''} aria-describedby={staleNote} onClick={() => void doCopy()}>
                    Copy rows into database
                  </button>
                </div>
              </section>
            </>
          )}
          {job && <TempDatabaseResult job={job} targetId={target.id} onDropped={() => dispatch({ type: 'temp-dropped' })} />}
        </>
      )}
      {notice && (
        <p role="status" className="ok">
          {notice}
        </p>
      )}
      <ErrorText message={state.error ?? action.error} />
      {job && job.state !== 'running' && (
        <button type="button" onClick={startOver}>
          Start over
        </button>
      )}
    </section>
  );
}
