import { useId, useReducer, type DragEvent, type FormEvent } from 'react';
import type { RestoreReview, TargetView } from '../../../shared/ipc-contract.js';
import { client } from '../api/client.js';
import { localFilePathOf } from '../api/local-file.js';
import { BackupChoiceFields } from '../components/BackupChoiceFields.js';
import { ErrorText } from '../components/ErrorText.js';
import { JobOutcome, JobProgressView } from '../components/JobProgressView.js';
import { TempDatabaseResult } from '../components/TempDatabaseResult.js';
import { formatBytes, formatDateTimeUtc } from '../lib/format.js';
import { jobInSlot, restoreSlot, useJobs } from '../stores/jobs-store.js';
import { chosenKeyFor, useNav } from '../stores/nav-store.js';
import { stepRunner } from '../wizards/run-step.js';
import { canStart, initialRestoreWizard, restoreWizard, reviewRequest, startRequest, type RestoreOptions } from '../wizards/restore-wizard.js';

/**
 * The restore wizard: backup (Latest / Specific backup) → target (Into a temporary database /
 * Full restore into a database) → review (what will happen, warnings; type the name for a
 * destructive restore) → progress with Cancel → result (temporary database URL, Copy, Drop).
 */
export function RestoreScreen({ target }: { target: TargetView }) {
  const ids = useId();
  const chosenKey = useNav((s) => chosenKeyFor(s, target.id));
  const slot = restoreSlot(target.id);
  const job = useJobs((s) => jobInSlot(s, slot));
  const startRestore = useJobs((s) => s.startRestore);
  const forget = useJobs((s) => s.forget);
  const [state, dispatch] = useReducer(restoreWizard, null, () => initialRestoreWizard(chosenKey ?? null, job !== undefined));
  const runStep = stepRunner(dispatch);
  const { options, review, confirm, error } = state;
  const set = (patch: Partial<RestoreOptions>) => dispatch({ type: 'options-changed', patch });
  const busy = state.step === 'reviewing' || state.step === 'starting';

  const doReview = (e: FormEvent) => {
    e.preventDefault();
    return runStep(
      { type: 'review-asked' },
      () => client().call('restore.review', reviewRequest(state, target.id)),
      (review) => ({ type: 'review-answered', review }),
      (error) => ({ type: 'review-failed', error }),
    );
  };

  const start = () => {
    if (!canStart(state)) return;
    return runStep({ type: 'start-asked' }, () => startRestore(startRequest(state, target.id)), () => ({ type: 'started' }), (error) => ({ type: 'start-failed', error }));
  };

  /** Restore a file from disk: a dump dropped anywhere on the screen becomes the backup to restore. */
  const onDrop = (e: DragEvent) => {
    const file = e.dataTransfer.files[0];
    if (!file) return;
    e.preventDefault();
    dispatch({ type: 'file-dropped', name: file.name, path: localFilePathOf(file) });
  };

  const startOver = () => {
    dispatch({ type: 'start-over' });
    forget(slot);
  };

  if (job) {
    return (
      <section aria-labelledby="restore-title">
        <h2 id="restore-title">Restore: {target.name}</h2>
        {job.state === 'running' ? <JobProgressView job={job} /> : <JobOutcome job={job} />}
        {job.state === 'done' && <TempDatabaseResult job={job} targetId={target.id} />}
        {job.state === 'done' && !job.resultTemporary && job.resultUrl && (
          <p>
            Database URL: <code>{job.resultUrl}</code>
          </p>
        )}
        {job.state !== 'running' && (
          <button type="button" onClick={startOver}>
            Start another restore
          </button>
        )}
      </section>
    );
  }

  return (
    <section aria-labelledby="restore-title" className="restore" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <h2 id="restore-title">Restore: {target.name}</h2>
      {state.step === 'choose' || state.step === 'reviewing' || !review ? (
        <form aria-label="Restore choices" onSubmit={(e) => void doReview(e)}>
          <BackupChoiceFields value={options.backup} onChange={(backup) => set({ backup })} allowFile />
          <fieldset>
            <legend>Where to</legend>
            <label className="check">
              <input type="radio" name={`${ids}-where`} checked={options.where === 'temp'} onChange={() => set({ where: 'temp' })} /> Into a temporary database
            </label>
            <label className="check">
              <input type="radio" name={`${ids}-where`} checked={options.where === 'database'} onChange={() => set({ where: 'database' })} /> Full restore into a database
            </label>
            {options.where === 'temp' ? (
              <p className="help">A new database named lifeboat_&lt;db&gt;_&lt;time&gt; on the server of {target.name}; you get its URL, and drop it when done.</p>
            ) : (
              <>
                <label htmlFor={`${ids}-db`}>Target database URL</label>
                <input id={`${ids}-db`} value={options.dbUrl} onChange={(e) => set({ dbUrl: e.target.value })} placeholder="postgresql://user@localhost:5432/shop_dev" spellCheck={false} />
                <label htmlFor={`${ids}-pw`}>Target password</label>
                <input id={`${ids}-pw`} type="password" autoComplete="new-password" value={options.password} onChange={(e) => set({ password: e.target.value })} placeholder="optional" />
                <label className="check">
                  <input type="radio" name={`${ids}-mode`} checked={options.mode === 'create'} onChange={() => set({ mode: 'create' })} /> New database (it must not exist yet)
                </label>
                <label className="check">
                  <input type="radio" name={`${ids}-mode`} checked={options.mode === 'clean'} onChange={() => set({ mode: 'clean' })} /> Replace an existing database (everything in it is dropped)
                </label>
              </>
            )}
            <label className="check">
              <input type="checkbox" checked={options.withGlobals} onChange={(e) => set({ withGlobals: e.target.checked })} /> Create missing roles and tablespaces first (from the globals recorded with the backup; keeps owners and privileges; a tablespace's directory must already exist on the server)
            </label>
            <label className="check">
              <input type="checkbox" checked={options.noTablespaces ?? false} onChange={(e) => set({ noTablespaces: e.target.checked })} /> Put everything in the default tablespace (for a server without the backup's tablespaces)
            </label>
          </fieldset>
          <ErrorText message={error} />
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Checking…' : 'Review'}
            </button>
          </div>
        </form>
      ) : (
        <section aria-labelledby="review-title" className="review">
          <h3 id="review-title">Review</h3>
          <dl className="figures">
            <dt>Backup</dt>
            <dd>
              <code>{review.backup.key}</code>
            </dd>
            {review.backup.fromCopy && (
              <>
                <dt>Read from</dt>
                <dd className="warn">{review.backup.fromCopy}</dd>
              </>
            )}
            <dt>Taken</dt>
            <dd>{formatDateTimeUtc(review.backup.createdAt)}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(review.backup.sizeBytes)}</dd>
            <dt>Into</dt>
            <dd>
              {intoWords(review)} on {review.destination.server} (PostgreSQL {review.destination.serverVersion})
            </dd>
            {review.roles?.missing && review.roles.missing.length > 0 && (
              <>
                <dt>Missing roles</dt>
                <dd>
                  {review.roles.missing.join(', ')}
                  {review.roles.createMissing ? ' (created first)' : ''}
                </dd>
              </>
            )}
            {review.tablespaces?.missing && review.tablespaces.missing.length > 0 && (
              <>
                <dt>Missing tablespaces</dt>
                <dd>
                  {review.tablespaces.missing.join(', ')}
                  {review.tablespaces.action === 'create' ? ' (created first)' : ''}
                </dd>
              </>
            )}
            <dt>Downloads</dt>
            <dd>
              {review.downloads.length === 0 ? 'None: the file is read where it lies' : null}
              {review.downloads.map((d) => (
                <span key={d.key}>
                  <code>{d.key}</code> ({formatBytes(d.bytes)}), once
                </span>
              ))}
            </dd>
          </dl>
          <h4>What will happen</h4>
          <ol aria-label="What will happen">
            {review.steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
          {review.warnings.length > 0 && (
            <>
              <h4>Warnings</h4>
              <ul aria-label="Warnings" className="warn">
                {review.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </>
          )}
          {review.destructive && review.confirmName && (
            <p>
              <label htmlFor={`${ids}-confirm`}>Type {review.confirmName} to confirm</label>{' '}
              <input id={`${ids}-confirm`} value={confirm} onChange={(e) => dispatch({ type: 'confirm-typed', text: e.target.value })} autoComplete="off" spellCheck={false} />
            </p>
          )}
          <ErrorText message={error} />
          <div className="row">
            <button type="button" onClick={() => dispatch({ type: 'back' })} disabled={busy}>
              Back
            </button>
            <button type="button" className={review.destructive ? 'danger' : 'primary'} disabled={!canStart(state)} onClick={() => void start()}>
              {review.destructive ? `Replace ${review.confirmName}` : 'Start restore'}
            </button>
          </div>
        </section>
      )}
    </section>
  );
}

/** The destination as the plan names it: the exact database, also a temporary one's. */
function intoWords(review: RestoreReview): string {
  const d = review.destination;
  switch (d.action) {
    case 'create-temporary':
      return `a new temporary database “${d.database}”`;
    case 'create':
      return `a new database “${d.database}”`;
    case 'fill-empty':
      return `the existing, empty database “${d.database}”`;
    case 'replace':
      return `database “${d.database}”, replacing everything in it`;
  }
}
