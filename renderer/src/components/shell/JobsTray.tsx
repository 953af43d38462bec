import { Inbox, X } from 'lucide-react';
import { useEffect, useMemo, useRef } from 'react';
import type { JobView } from '../../../../shared/ipc-contract.js';
import { phaseLabel } from '../../lib/format.js';
import { useProgressText } from '../../lib/progress-text.js';
import { useNow } from '../../lib/use-now.js';
import { runningJobs, useJobs } from '../../stores/jobs-store.js';
import { useNav } from '../../stores/nav-store.js';
import { EmptyState } from '../ui/EmptyState.js';

function TrayJob({ job, now }: { job: JobView; now: number }) {
  const cancel = useJobs((s) => s.cancel);
  const p = job.progress;
  const t = useProgressText(p, now);
  const phase = phaseLabel(p?.phase ?? 'starting');
  return (
    <li className="tray-job" aria-label={job.title}>
      <div className="tray-job-title">
        <span title={job.title}>{job.title}</span>
        <button type="button" className="danger small" aria-label={`Cancel ${job.kind}: ${job.title}`} title={`Cancel this ${job.kind}`} onClick={() => void cancel(job.id)}>
          Cancel
        </button>
      </div>
      <progress aria-label={`${job.title}: ${phase}`} aria-valuetext={t.percent ? `${t.percent}${t.left ? `, ${t.left}` : ''}` : undefined} {...t.bar} />
      <div className="tray-job-figures">
        <span>
          {phase}
          {t.percent ? ` · ${t.percent}` : ''}
        </span>
        <span>{t.left ?? ''}</span>
      </div>
    </li>
  );
}

/** Every running job with its progress and a Cancel, over whatever screen is open; Escape closes it. */
export function JobsTray({ onClose }: { onClose: () => void }) {
  const jobs = useJobs((s) => s.jobs);
  const running = useMemo(() => runningJobs(jobs), [jobs]);
  const now = useNow(running.length > 0);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.focus();
    // Escape closes it wherever focus is (a finished job's Cancel button vanishes with the focus on it).
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <section
      id="jobs-tray"
      ref={ref}
      className="jobs-tray"
      aria-labelledby="jobs-tray-title"
      tabIndex={-1}
    >
      <h2 id="jobs-tray-title">
        Running jobs
        <button type="button" className="quiet icon-only small" aria-label="Close the jobs tray" onClick={onClose}>
          <X size={14} aria-hidden="true" />
        </button>
      </h2>
      {running.length === 0 ? (
        <EmptyState icon={Inbox} title="Nothing is running">
          Backups, restores and checks show here while they run.
        </EmptyState>
      ) : (
        <ul className="plain" aria-label="Running jobs">
          {running.map((j) => (
            <TrayJob key={j.id} job={j} now={now} />
          ))}
        </ul>
      )}
      <div className="row">
        <button
          type="button"
          className="quiet small"
          onClick={() => {
            useNav.getState().go('activity');
            onClose();
          }}
        >
          Open Activity
        </button>
      </div>
    </section>
  );
}
