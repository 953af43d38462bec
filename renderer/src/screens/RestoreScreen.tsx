import { useId, useState, type DragEvent, type FormEvent } from 'react';
import type { RestoreDestinationInput, RestoreReview, TargetView } from '../../../shared/ipc-contract.js';
import { client, errorMessage } from '../api/client.js';
import { localFilePathOf } from '../api/local-file.js';
import { BackupChoiceFields, toRestoreSource, type BackupChoiceState } from '../components/BackupChoiceFields.js';
import { ErrorText } from '../components/ErrorText.js';
import { JobOutcome, JobProgressView } from '../components/JobProgressView.js';
import { TempDatabaseResult } from '../components/TempDatabaseResult.js';
import { formatBytes, formatDateTimeUtc } from '../lib/format.js';
import { useJobs } from '../stores/jobs-store.js';
import { chosenKeyFor, useNav } from '../stores/nav-store.js';

type Where = 'temp' | 'database';

/**
 * The restore wizard: backup (Latest / Specific backup) → target (Into a temporary database /
 * Full restore into a database) → review (what will happen, warnings; type the name for a
 * destructive restore) → progress with Cancel → result (temporary database URL, Copy, Drop).
 */
export function RestoreScreen({ target }: { target: TargetView }) {
  const ids = useId();
  const chosenKey = useNav((s) => chosenKeyFor(s, target.id));
  const [backup, setBackup] = useState<BackupChoiceState>({ kind: chosenKey ? 'key' : 'latest', key: chosenKey ?? '' });
  const [where, setWhere] = useState<Where>('temp');
  const [dbUrl, setDbUrl] = useState('');
  const [password, setPassword] = useState('');
  const [mode, setMode] = useState<'create' | 'clean'>('create');
  const [withGlobals, setWithGlobals] = useState(false);
  const [review, setReview] = useState<RestoreReview | null>(null);
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const slot = `restore:${target.id}`;
  const job = useJobs((s) => (s.lastStarted[slot] ? s.jobs[s.lastStarted[slot]] : undefined));
  const track = useJobs((s) => s.track);

  const destination = (): RestoreDestinationInput => (where === 'temp' ? { kind: 'temp' } : { kind: 'database', dbUrl, mode, ...(password ? { password } : {}) });

  const doReview = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      setReview(await client().call('restore.review', { targetId: target.id, backup: toRestoreSource(backup), destination: destination(), ...(withGlobals ? { withGlobals } : {}) }));
      setConfirm('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const start = async () => {
    setError(null);
    setBusy(true);
    try {
      const key = review?.backup.key;
      const j = await client().call('restore.start', {
        targetId: target.id,
        // Restore exactly the backup that was reviewed, even if a newer one appeared since.
        // (A file is restored from its path; its "key" is that path.)
        backup: backup.kind !== 'file' && key ? { kind: 'key', key } : toRestoreSource(backup),
        destination: destination(),
        ...(withGlobals ? { withGlobals } : {}),
        // The plan's time: a temporary database gets exactly the name the review showed.
        ...(review ? { plannedAt: review.plannedAt } : {}),
        ...(review?.destructive ? { confirmName: confirm } : {}),
      });
      track(slot, j);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  /** Restore a file from disk: a dump dropped anywhere on the screen becomes the backup to restore. */
  const onDrop = (e: DragEvent) => {
    const file = e.dataTransfer.files[0];
    if (!file) return;
    e.preventDefault();
    setReview(null);
    const path = localFilePathOf(file);
    setBackup({ ...backup, kind: 'file', path: path ?? '' });
    setError(path ? null : `This window cannot see where “${file.name}” lies (only the desktop app can); type its full path instead.`);
  };

  const startOver = () => {
    setReview(null);
    useJobs.setState((s) => {
      const next = { ...s.lastStarted };
      delete next[slot];
      return { lastStarted: next };
    });
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
      {!review ? (
        <form aria-label="Restore choices" onSubmit={(e) => void doReview(e)}>
          <BackupChoiceFields value={backup} onChange={setBackup} allowFile />
          <fieldset>
            <legend>Where to</legend>
            <label className="check">
              <input type="radio" name={`${ids}-where`} checked={where === 'temp'} onChange={() => setWhere('temp')} /> Into a temporary database
            </label>
            <label className="check">
              <input type="radio" name={`${ids}-where`} checked={where === 'database'} onChange={() => setWhere('database')} /> Full restore into a database
            </label>
            {where === 'temp' ? (
              <p className="help">A new database named lifeboat_&lt;db&gt;_&lt;time&gt; on the server of {target.name}; you get its URL, and drop it when done.</p>
            ) : (
              <>
                <label htmlFor={`${ids}-db`}>Target database URL</label>
                <input id={`${ids}-db`} value={dbUrl} onChange={(e) => setDbUrl(e.target.value)} placeholder="postgresql://user@localhost:5432/shop_dev" spellCheck={false} />
                <label htmlFor={`${ids}-pw`}>Target password</label>
                <input id={`${ids}-pw`} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} placeholder="optional" />
                <label className="check">
                  <input type="radio" name={`${ids}-mode`} checked={mode === 'create'} onChange={() => setMode('create')} /> New database (it must not exist yet)
                </label>
                <label className="check">
                  <input type="radio" name={`${ids}-mode`} checked={mode === 'clean'} onChange={() => setMode('clean')} /> Replace an existing database (everything in it is dropped)
                </label>
              </>
            )}
            <label className="check">
              <input type="checkbox" checked={withGlobals} onChange={(e) => setWithGlobals(e.target.checked)} /> Create missing roles first (from the roles recorded with the backup; keeps owners and privileges)
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
              <input id={`${ids}-confirm`} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" spellCheck={false} />
            </p>
          )}
          <ErrorText message={error} />
          <div className="row">
            <button type="button" onClick={() => setReview(null)}>
              Back
            </button>
            <button type="button" className={review.destructive ? 'danger' : 'primary'} disabled={busy || (review.destructive && confirm !== review.confirmName)} onClick={() => void start()}>
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
