import { History, Inbox } from 'lucide-react';
import { JobProgressView } from '../components/JobProgressView.js';
import { EmptyState } from '../components/ui/EmptyState.js';
import { formatDateTimeUtc, formatDuration } from '../lib/format.js';
import { recentJobs, runningJobs, useJobs } from '../stores/jobs-store.js';

const STATE_WORDS = { running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' } as const;

/** Running jobs with their progress and Cancel; recent jobs with how they ended, in plain words. */
export function ActivityScreen() {
  const jobs = useJobs((s) => s.jobs);
  const running = runningJobs(jobs);
  const recent = recentJobs(jobs);
  return (
    <section aria-labelledby="activity-title" className="activity">
      <h2 id="activity-title">Activity</h2>
      <section aria-labelledby="running-title">
        <h3 id="running-title">Running</h3>
        {running.length === 0 ? (
          <EmptyState icon={Inbox} title="Nothing is running.">
            Backups, restores, checks and partial recoveries show here, with their progress, while they run.
          </EmptyState>
        ) : (
          <ul className="plain">
            {running.map((j) => (
              <li key={j.id}>
                <h4>{j.title}</h4>
                <JobProgressView job={j} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="recent-title">
        <h3 id="recent-title">Recent</h3>
        {recent.length === 0 ? (
          <EmptyState icon={History} title="No finished jobs yet.">
            Each job this app runs is listed here when it ends, with how it ended.
          </EmptyState>
        ) : (
          <table className="jobs">
            <caption>Recent jobs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">State</th>
                <th scope="col">Started</th>
                <th scope="col">Took</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((j) => (
                <tr key={j.id} className={j.state}>
                  <th scope="row">{j.title}</th>
                  <td>{STATE_WORDS[j.state]}</td>
                  <td>{formatDateTimeUtc(j.startedAt)}</td>
                  <td>{j.finishedAt ? formatDuration(Date.parse(j.finishedAt) - Date.parse(j.startedAt)) : ''}</td>
                  <td>
                    {j.state === 'failed' && <span className="error">{j.error?.message}</span>}
                    {j.state === 'cancelled' && 'Cancelled; nothing was kept.'}
                    {j.state === 'done' && j.resultKey && <code>{j.resultKey}</code>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
