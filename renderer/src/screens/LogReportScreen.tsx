import { useState } from 'react';
import type { ActivityKind, ActivityOutcome } from '../../../shared/activity.js';
import { ACTIVITY_KINDS, ACTIVITY_OUTCOMES } from '../../../shared/activity.js';
import type { TargetView } from '../../../shared/ipc-contract.js';
import { formatBytes } from '../../../shared/progress.js';
import { sizeChartSvg } from '../../../shared/report-html.js';
import { useCall } from '../api/use-call.js';
import { DrillHistory } from '../components/DrillHistory.js';
import { ErrorText } from '../components/ErrorText.js';
import { formatDateTimeUtc } from '../lib/format.js';

// Both refresh when a job ends or schedules change (a scheduled run writes to the log).
const REFRESH = ['job.finished', 'schedules.changed'] as const;

/** The activity log (filter by database, kind, outcome) and the status report of the last week. */
export function LogReportScreen({ targets }: { targets: TargetView[] }) {
  const [targetId, setTargetId] = useState('');
  const [kind, setKind] = useState('');
  const [outcome, setOutcome] = useState('');
  const names = new Map(targets.map((t) => [t.id, t.name]));
  const log = useCall(
    'activity.list',
    { ...(targetId ? { targetId } : {}), ...(kind ? { kind: kind as ActivityKind } : {}), ...(outcome ? { outcome: outcome as ActivityOutcome } : {}), limit: 200 },
    REFRESH,
  );
  const reportCall = useCall('report.get', { days: 7 }, REFRESH);
  const entries = log.data;
  const report = reportCall.data?.report ?? null;
  const error = log.error ?? reportCall.error;

  return (
    <section aria-labelledby="log-title">
      <h2 id="report-title">Status of the last 7 days</h2>
      {report && (
        <>
          <p role="status" aria-label="Overall status">
            Overall: {report.overall.state} · {report.overall.backupsInPeriod} backups · {report.overall.failuresInPeriod} failures
          </p>
          {report.profiles.map((p) => (
            <section key={p.name} aria-label={`Status of ${p.name}`} className="report-profile">
              <h3>
                {p.name}: {p.state}
              </h3>
              {p.problems.length > 0 && <p className="error">{p.problems.join('; ')}</p>}
              <p>
                {p.backupsInPeriod} backups ({formatBytes(p.bytesInPeriod)}), {p.failuresInPeriod} failures, last success{' '}
                {p.lastSuccessAgeHours === null ? 'never' : `${p.lastSuccessAgeHours} h ago`}, verification {p.verification ? `${p.verification.outcome} ${formatDateTimeUtc(p.verification.at)}` : 'never'}, retention deleted {p.retention.deleted}.
              </p>
              {/* The chart is built by a pure function from numbers and escaped dates only. */}
              <div dangerouslySetInnerHTML={{ __html: sizeChartSvg(p.sizes, report.since, report.until) }} />
              <DrillHistory name={p.name} drills={p.drills} />
            </section>
          ))}
        </>
      )}
      <h2 id="log-title">Activity log</h2>
      <div className="row" role="group" aria-label="Filter the log">
        <label>
          Database{' '}
          <select value={targetId} onChange={(e) => setTargetId(e.target.value)}>
            <option value="">All</option>
            {targets.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">All</option>
            {ACTIVITY_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label>
          Outcome{' '}
          <select value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <option value="">All</option>
            {ACTIVITY_OUTCOMES.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorText message={error} />
      {entries && (
        <table className="jobs">
          <caption>Activity, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Database</th>
              <th scope="col">Kind</th>
              <th scope="col">Outcome</th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTimeUtc(e.startedAt)}</td>
                <td>{e.profile ? (names.get(e.profile) ?? e.profile) : '-'}</td>
                <td>{e.kind}</td>
                <td>{e.outcome}</td>
                <td>
                  {e.summary}
                  {e.key ? ` ${e.key}` : ''}
                  {e.error ? ` — ${e.error.message}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
