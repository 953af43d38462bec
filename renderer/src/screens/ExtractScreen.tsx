import { useEffect, useId, useState } from 'react';
import type { RowPreview, TableInBackup, TargetView } from '../../../shared/ipc-contract.js';
import { qualifiedTableName } from '../../../shared/row-format.js';
import { client, errorMessage } from '../api/client.js';
import { BackupChoiceFields, toBackupChoice, type BackupChoiceState } from '../components/BackupChoiceFields.js';
import { ErrorText } from '../components/ErrorText.js';
import { JobOutcome, JobProgressView } from '../components/JobProgressView.js';
import { TempDatabaseResult } from '../components/TempDatabaseResult.js';
import { useJobs } from '../stores/jobs-store.js';
import { chosenKeyFor, useNav } from '../stores/nav-store.js';

const PREVIEW_LIMIT = 200;

function download(filename: string, mimeType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The rows on screen and exactly the table and filter that produced them. */
interface Preview {
  table: string;
  where: string;
  result: RowPreview;
}

/**
 * Partial recovery: pick a backup → pick tables from its table of contents → restore them into a
 * temporary database (the engine's extract restore, as the CLI's) → write a filter → preview rows
 * → export CSV / JSON / SQL, or copy them into a database (inserted / skipped counts). Export and
 * Copy act on the previewed table and filter, and are disabled once the form no longer shows them.
 */
export function ExtractScreen({ target }: { target: TargetView }) {
  const ids = useId();
  // Only a backup chosen for this database: another database's key means nothing here.
  const chosenKey = useNav((s) => chosenKeyFor(s, target.id));
  // A table chosen while browsing the backup ("Recover rows…") starts out picked.
  const chosenTable = useNav((s) => s.chosenTable);
  const [backup, setBackup] = useState<BackupChoiceState>({ kind: chosenKey ? 'key' : 'latest', key: chosenKey ?? '' });
  const [tables, setTables] = useState<{ key: string; tables: TableInBackup[] } | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [table, setTable] = useState('');
  const [where, setWhere] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [filterError, setFilterError] = useState<string | null>(null);
  const [intoUrl, setIntoUrl] = useState('');
  const [intoPassword, setIntoPassword] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const slot = `extract:${target.id}`;
  const job = useJobs((s) => (s.lastStarted[slot] ? s.jobs[s.lastStarted[slot]] : undefined));
  const track = useJobs((s) => s.track);
  const temp = job?.state === 'done' ? job.resultDatabase : null;
  const stale = preview !== null && (preview.table !== table || preview.where !== where);

  const run = async (fn: () => Promise<void>) => {
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const loadTables = () =>
    run(async () => {
      const r = await client().call('extract.tables', { targetId: target.id, backup: toBackupChoice(backup) });
      setTables(r);
      setPicked(chosenTable && r.tables.some((t) => `${t.schema}.${t.name}` === chosenTable) ? [chosenTable] : []);
    });
  // Coming from Browse with a table: its backup's tables are listed at once, that table picked.
  useEffect(() => {
    if (chosenKey && chosenTable) void loadTables();
    // Once, when the screen opens (it is keyed by the chosen backup and table).
  }, []);
  const prepare = () =>
    run(async () => {
      const key = tables?.key;
      const j = await client().call('extract.prepare', { targetId: target.id, backup: key ? { kind: 'key', key } : toBackupChoice(backup), tables: picked });
      track(slot, j);
      setTable(picked[0] ?? '');
      setPreview(null);
      setFilterError(null);
    });
  const selection = (s: { table: string; where: string }) => ({ targetId: target.id, tempDatabase: temp ?? '', table: s.table, ...(s.where.trim() ? { where: s.where } : {}) });
  const doPreview = () =>
    run(async () => {
      const asked = { table, where };
      setFilterError(null);
      try {
        setPreview({ ...asked, result: await client().call('extract.preview', { ...selection(asked), limit: PREVIEW_LIMIT }) });
      } catch (e) {
        // No old rows stay on screen under a filter that failed; the reason sits beside the filter.
        setPreview(null);
        setFilterError(errorMessage(e));
      }
    });
  const doExport = (format: 'csv' | 'json' | 'sql') =>
    run(async () => {
      if (!preview || stale) return;
      const r = await client().call('extract.export', { ...selection(preview), format });
      download(r.filename, r.mimeType, r.content);
      setNotice(`Exported ${r.rowCount} row${r.rowCount === 1 ? '' : 's'} to ${r.filename}.`);
    });
  const doCopy = () =>
    run(async () => {
      if (!preview || stale) return;
      const r = await client().call('extract.copy', { ...selection(preview), intoDbUrl: intoUrl, ...(intoPassword ? { password: intoPassword } : {}) });
      setNotice(`Copied into database “${r.database}”: ${r.inserted} inserted, ${r.skipped} skipped (already there).`);
    });
  const startOver = () => {
    setTables(null);
    setPreview(null);
    setFilterError(null);
    useJobs.setState((s) => {
      const next = { ...s.lastStarted };
      delete next[slot];
      return { lastStarted: next };
    });
  };
  const staleNote = stale ? `${ids}-stale` : undefined;

  return (
    <section aria-labelledby="extract-title" className="extract">
      <h2 id="extract-title">Partial recovery: {target.name}</h2>
      {!job && (
        <>
          <BackupChoiceFields value={backup} onChange={(v) => (setBackup(v), setTables(null))} disabled={busy} />
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
                    <input type="checkbox" checked={picked.includes(q)} onChange={(e) => setPicked(e.target.checked ? [...picked, q] : picked.filter((p) => p !== q))} /> {t.schema}.{t.name}
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
            <select id={`${ids}-table`} value={table} onChange={(e) => setTable(e.target.value)}>
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
              onChange={(e) => setWhere(e.target.value)}
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
              <button type="button" className="primary" disabled={busy} onClick={() => void doPreview()}>
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
          {job && <TempDatabaseResult job={job} targetId={target.id} onDropped={() => setPreview(null)} />}
        </>
      )}
      {notice && (
        <p role="status" className="ok">
          {notice}
        </p>
      )}
      <ErrorText message={error} />
      {job && job.state !== 'running' && (
        <button type="button" onClick={startOver}>
          Start over
        </button>
      )}
    </section>
  );
}
