import type { JobView } from '../../../shared/ipc-contract.js';
import { formatBytes, formatDuration, phaseLabel } from '../lib/format.js';
import { useProgressText } from '../lib/progress-text.js';
import { useNow } from '../lib/use-now.js';
import { useJobs } from '../stores/jobs-store.js';

/** Live progress of one running job: percent and time left where the total is known or estimated, phase, bytes, rate, elapsed, and Cancel. */
export function JobProgressView({ job }: { job: JobView }) {
  const cancel = useJobs((s) => s.cancel);
  const p = job.progress;
  const now = useNow(job.state === 'running');
  const elapsed = Math.max(p?.elapsedMs ?? 0, now - Date.parse(job.startedAt));
  const t = useProgressText(p, now);
  const phase = phaseLabel(p?.phase ?? 'starting');
  return (
    <section className="job-progress" aria-label={`Progress of ${job.title}`}>
      <div role="status" aria-live="polite">
        {t.percent && (
          <p className="job-progress-headline">
            <span className="job-progress-percent">{t.percent}</span>
            {t.left && <span className="job-progress-left">{t.left}</span>}
            {t.total && <span className="job-progress-estimate">{t.total}</span>}
          </p>
        )}
        <dl className="figures inline">
          <div>
            <dt>Phase</dt>
            <dd>{phase}</dd>
          </div>
          <div>
            <dt>Bytes</dt>
            <dd>{formatBytes(p?.bytes ?? 0)}</dd>
          </div>
          <div>
            <dt>Rate</dt>
            <dd>{formatBytes(p?.rate ?? 0)}/s</dd>
          </div>
          <div>
            <dt>Elapsed</dt>
            <dd>{formatDuration(elapsed)}</dd>
          </div>
          <div>
            <dt>Time left</dt>
            <dd>{t.left ?? (t.percent ? 'estimating…' : 'unknown (no total)')}</dd>
          </div>
        </dl>
      </div>
      <progress aria-label={`${job.title}: ${phase}`} aria-valuetext={t.percent ? `${t.percent}${t.left ? `, ${t.left}` : ''}` : undefined} {...t.bar} />
      <button type="button" className="danger" onClick={() => void cancel(job.id)}>
        Cancel {job.kind}
      </button>
    </section>
  );
}

/** How a finished job ended, in plain words. */
export function JobOutcome({ job }: { job: JobView }) {
  const outcome = <JobOutcomeText job={job} />;
  if (job.state !== 'done' || !job.resultNote) return outcome;
  return (
    <>
      {outcome}
      <p role="note" className="warn" aria-label="Read from a copy">
        {job.resultNote}
      </p>
    </>
  );
}

function JobOutcomeText({ job }: { job: JobView }) {
  if (job.state === 'done' && job.kind === 'backup') {
    return (
      <p role="status" className="ok">
        Backup stored as <code>{job.resultKey}</code>.
      </p>
    );
  }
  if (job.state === 'done' && job.kind === 'verify') {
    return (
      <p role="status" className="ok">
        Backup <code>{job.resultKey}</code> passed verification.
      </p>
    );
  }
  if (job.state === 'done') {
    return (
      <p role="status" className="ok">
        Restored <code>{job.resultKey}</code> into {job.resultTemporary ? 'the temporary database' : 'database'} “{job.resultDatabase}”.
      </p>
    );
  }
  if (job.state === 'cancelled') {
    return (
      <p role="status" className="warn">
        The {job.kind} was cancelled; nothing was kept.
      </p>
    );
  }
  if (job.state === 'failed') {
    return (
      <p role="alert" className="error">
        The {job.kind} failed: {job.error?.message}
      </p>
    );
  }
  return null;
}
