import type { DrillPoint, DrillSummary } from '../../../shared/drill.js';
import { drillWarning } from '../../../shared/drill.js';
import { durationText, formatDuration } from '../../../shared/duration.js';
import type { HistoryPoint } from '../lib/backup-history.js';
import { formatDateTimeUtc } from '../lib/format.js';
import { HistoryChart } from './HistoryChart.js';

function asHistoryPoint(p: DrillPoint): HistoryPoint {
  const ok = p.outcome === 'passed' && p.recoveryMs !== null;
  return { at: p.at, ok, outcome: ok ? 'success' : 'failure', bytes: null, durationMs: p.recoveryMs ?? 0, key: p.key, error: p.problem };
}

/**
 * A database's recent restore drills in the report: the recovery time of each (a chart with the
 * target as a dashed line; failed drills as triangles), the trend, a warning when the last one was
 * slower than the target, and the same numbers as a table for screen readers.
 */
export function DrillHistory({ name, drills }: { name: string; drills: DrillSummary }) {
  if (drills.recent.length === 0) {
    return <p className="muted">No restore drills yet: every deep verification (a restore into a temporary database, by hand or on a schedule) is one.</p>;
  }
  const points = drills.recent.map(asHistoryPoint);
  const first = drills.recent[0]?.at ?? '';
  const last = drills.recent[drills.recent.length - 1]?.at ?? '';
  const warning = drillWarning(drills);
  return (
    <section aria-label={`Restore drills of ${name}`} className="drill-history">
      <p>
        Restore drills: last {drills.recent.length}
        {drills.medianMs !== null ? `, typical recovery ${formatDuration(drills.medianMs)}` : ''}
        {drills.trend ? `, trend ${drills.trend}` : ''}
        {drills.targetMs !== null ? `, target ${durationText(drills.targetMs)}` : ', no target set'}.
      </p>
      {warning && (
        <p role="alert" className="error">
          Warning: {warning}.
        </p>
      )}
      <HistoryChart points={points} from={first} to={last} value={(p) => p.durationMs} label="Recovery time" format={formatDuration} limit={drills.targetMs} noun="drill" />
      <details>
        <summary>Show drills as a table</summary>
        <table className="jobs">
          <caption>Restore drills of {name}, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Outcome</th>
              <th scope="col">Recovery time</th>
              <th scope="col">Server</th>
              <th scope="col">Backup</th>
            </tr>
          </thead>
          <tbody>
            {drills.recent.map((p) => (
              <tr key={p.at + (p.key ?? '')}>
                <td>{formatDateTimeUtc(p.at)}</td>
                <td>{p.outcome === 'passed' ? 'passed' : `failed${p.problem ? `: ${p.problem}` : ''}`}</td>
                <td>{p.recoveryMs === null ? '—' : `${formatDuration(p.recoveryMs)}${p.overTarget ? ' (over target)' : ''}`}</td>
                <td>{p.server ?? '—'}</td>
                <td>{p.key ? <code className="key">{p.key}</code> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
