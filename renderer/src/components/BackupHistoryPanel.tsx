import { useMemo } from 'react';
import type { TargetView } from '../../../shared/ipc-contract.js';
import { useCall } from '../api/use-call.js';
import { backupHistory } from '../lib/backup-history.js';
import { formatBytes, formatDateTimeUtc, formatDuration } from '../lib/format.js';
import { useSchedules } from '../stores/schedules-store.js';
import type { DrillPoint } from '../../../shared/drill.js';
import { DrillMarker } from './DrillMarker.js';
import { HistoryChart } from './HistoryChart.js';

const DAYS = 90;
const REFRESH = ['job.finished'] as const;

function drillFact(drills: readonly DrillPoint[]): string {
  const last = drills[drills.length - 1];
  if (!last) return 'restore drills: none';
  const passed = drills.filter((d) => d.outcome === 'passed').length;
  const how = last.outcome === 'passed' && last.recoveryMs !== null ? `recovered in ${formatDuration(last.recoveryMs)}${last.overTarget ? ', over the target' : ''}` : 'failed';
  return `restore drills: ${passed} passed, ${drills.length - passed} failed (last ${how}, ${formatDateTimeUtc(last.at)})`;
}

function drillCell(d: DrillPoint | undefined) {
  if (!d) return '—';
  if (d.outcome === 'failed' || d.recoveryMs === null) return `failed${d.problem ? `: ${d.problem}` : ''}`;
  return (
    <>
      {formatDuration(d.recoveryMs)}
      <DrillMarker drill={{ recoveryMs: d.recoveryMs, overTarget: d.overTarget }} />
    </>
  );
}

/** A database's last 90 days at a glance: backup sizes and durations, failures, verifications, the next scheduled run. */
export function BackupHistoryPanel({ target, now }: { target: TargetView; now: number }) {
  const backups = useCall('activity.list', { targetId: target.id, kind: 'backup', limit: 5000 }, REFRESH);
  const verifies = useCall('activity.list', { targetId: target.id, kind: 'verify', limit: 5000 }, REFRESH);
  const runs = useSchedules((s) => s.runs);
  // Whole minutes, so the model is not rebuilt on every render.
  const minute = Math.floor(now / 60_000) * 60_000;
  const h = useMemo(() => backupHistory(backups.data ?? [], verifies.data ?? [], minute, DAYS), [backups.data, verifies.data, minute]);
  const next = runs.filter((r) => r.targetId === target.id && Date.parse(r.at) > now).sort((a, b) => (a.at < b.at ? -1 : 1))[0];
  const error = backups.error ?? verifies.error;

  return (
    <section aria-labelledby="history-title" className="history card">
      <h3 id="history-title">Last {DAYS} days</h3>
      {error ? (
        <p className="muted">The history could not be read: {error}</p>
      ) : backups.data === null ? (
        <p role="status">Reading the activity log…</p>
      ) : (
        <>
          <ul className="history-facts" aria-label="Summary of the last 90 days">
            <li>
              <strong>{h.succeeded}</strong> backup{h.succeeded === 1 ? '' : 's'}
              {h.failed > 0 ? (
                <>
                  , <strong className="text-danger">{h.failed} failed</strong>
                </>
              ) : null}
            </li>
            <li>typical size {h.medianBytes === null ? '—' : formatBytes(h.medianBytes)}</li>
            <li>typical duration {h.medianDurationMs === null ? '—' : formatDuration(h.medianDurationMs)}</li>
            <li>
              verifications: {h.verifications.passed} passed, {h.verifications.failed} failed
              {h.verifications.last ? ` (last ${h.verifications.last.ok ? 'passed' : 'failed'} ${formatDateTimeUtc(h.verifications.last.at)})` : ''}
            </li>
            <li>{drillFact(h.drills)}</li>
            <li>next scheduled run: {next ? formatDateTimeUtc(next.at) : 'none scheduled'}</li>
          </ul>
          {h.points.length > 0 && (
            <>
              <HistoryChart points={h.points} from={h.from} to={h.to} value={(p) => p.bytes} label="Size" format={formatBytes} />
              <HistoryChart points={h.points} from={h.from} to={h.to} value={(p) => p.durationMs} label="Duration" format={formatDuration} />
              <details>
                <summary>Show as a table</summary>
                <table className="jobs">
                  <caption>Backups of {target.name} in the last {DAYS} days, oldest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Started (UTC)</th>
                      <th scope="col">Outcome</th>
                      <th scope="col">Size</th>
                      <th scope="col">Duration</th>
                      <th scope="col">Restore drill</th>
                    </tr>
                  </thead>
                  <tbody>
                    {h.points.map((p) => (
                      <tr key={p.at + p.outcome}>
                        <td>{formatDateTimeUtc(p.at)}</td>
                        <td>{p.ok ? 'succeeded' : `${p.outcome}${p.error ? `: ${p.error}` : ''}`}</td>
                        <td>{p.bytes === null ? '—' : formatBytes(p.bytes)}</td>
                        <td>{formatDuration(p.durationMs)}</td>
                        <td>{drillCell(p.key ? h.drillByKey.get(p.key) : undefined)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            </>
          )}
        </>
      )}
    </section>
  );
}
