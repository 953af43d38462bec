import { useId, useState, type FormEvent } from 'react';
import type { TargetView } from '../../../shared/ipc-contract.js';
import { useAction } from '../api/use-action.js';
import { ErrorText } from '../components/ErrorText.js';
import { JobOutcome, JobProgressView } from '../components/JobProgressView.js';
import { parseBackupKey } from '../../../shared/backup-key.js';
import { ymOf } from '../lib/calendar.js';
import { useJobs } from '../stores/jobs-store.js';
import { useNav } from '../stores/nav-store.js';
import { useTargets } from '../stores/targets-store.js';

/** Label, pin and format; then live progress with Cancel; then what happened. */
export function BackupNowScreen({ target }: { target: TargetView }) {
  const ids = useId();
  const startBackup = useJobs((s) => s.startBackup);
  const job = useJobs((s) => {
    const id = s.lastStarted[target.id];
    return id ? s.jobs[id] : undefined;
  });
  const [label, setLabel] = useState('');
  const [pin, setPin] = useState(false);
  const [format, setFormat] = useState<'custom' | 'plain'>('custom');
  const action = useAction();
  const running = job?.state === 'running';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await action.run(() => startBackup({ targetId: target.id, label: label.trim() === '' ? null : label.trim(), pin, format }));
  };

  const showOnCalendar = () => {
    const nav = useNav.getState();
    if (job) {
      // The backup's day is the one in its key (UTC, as the calendar files it), not the job's start.
      const day = (job.resultKey ? parseBackupKey(job.resultKey)?.createdAt.toISOString() : null) ?? job.startedAt;
      nav.showMonth(ymOf(day));
      nav.selectDay(day.slice(0, 10));
    }
    nav.setView('month');
    // After the first backup this screen sits inside the first-run guide, which hides the
    // calendar: leave the guide, on this database.
    useTargets.getState().select(target.id);
    nav.setFirstRun(false);
    nav.go('calendar');
  };

  return (
    <section aria-labelledby="backup-now-title" className="backup-now">
      <h2 id="backup-now-title">Backup now: {target.name}</h2>
      <form aria-label="Backup options" onSubmit={(e) => void submit(e)}>
        <label htmlFor={`${ids}-label`}>Label</label>
        <input id={`${ids}-label`} value={label} maxLength={200} onChange={(e) => setLabel(e.target.value)} placeholder="before migration 42" disabled={running} />
        <label className="check">
          <input type="checkbox" checked={pin} onChange={(e) => setPin(e.target.checked)} disabled={running} /> Pin this backup (retention never removes it)
        </label>
        <label htmlFor={`${ids}-format`}>Format</label>
        <select id={`${ids}-format`} value={format} onChange={(e) => setFormat(e.target.value === 'plain' ? 'plain' : 'custom')} disabled={running}>
          <option value="custom">Custom archive (pg_dump -Fc, .dump): selective restore</option>
          <option value="plain">Plain SQL, gzipped (.sql.gz): the seed scripts' format</option>
        </select>
        <div className="row">
          <button type="submit" className="primary" disabled={running || action.busy}>
            Start backup
          </button>
        </div>
      </form>
      <ErrorText message={action.error} />
      {job && running && <JobProgressView job={job} />}
      {job && !running && (
        <>
          <JobOutcome job={job} />
          {job.state === 'done' && (
            <button type="button" onClick={showOnCalendar}>
              Show on calendar
            </button>
          )}
        </>
      )}
    </section>
  );
}
