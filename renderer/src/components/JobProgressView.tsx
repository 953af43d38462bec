import type { JobView } from '../../../shared/ipc-contract.js';
import { formatBytes, formatDuration, phaseLabel } from '../lib/format.js';
import { useNow } from '../lib/use-now.js';
import { useJobs } from '../stores/jobs-store.js';

/** Live progress of one running job (phase, bytes, rate, elapsed) with its Cancel button. */
export function JobProgressView({ job }: { job: JobView }) {
  const cancel = useJobs((s) => s.cancel);
  const p = job.progress;
  const now = useNow(job.state === 'running');
  const elapsed = Math.max(p?.elapsedMs ?? 0, now - Date.parse(job.startedAt));
  return (
    <section className="job-progress" aria-label={`Progress of ${job.title}`}>
      <div role="status" aria-live="polite">
        <dl className="figures">
          <dt>Phase</dt>
          <dd>{phaseLabel(p?.phase ?? 'starting')}</dd>
          <dt>Bytes</dt>
          <dd>{formatBytes(p?.bytes ?? 0)}</dd>
          <dt>Rate</dt>
          <dd>{formatBytes(p?.rate ?? 0)}/s</dd>
          <dt>Elapsed</dt>
          <dd>{formatDuration(elapsed)}</dd>
        </dl>
      </div>
      <progress aria-label={`${job.title}: ${phaseLabel(p?.phase ?? 'starting')}`} {...(p?.totalBytes ? { max: p.totalBytes, value: p.bytes } : {})} />
      <button type="button" className="danger" onClick={() => void cancel(job.id)}>
        Cancel {job.kind}
      </button>
    </section>
  );
}

/** How a finished job ended, in plain words. */
export function JobOutcome({ job }: { job: JobView }) {
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
