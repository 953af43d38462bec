import type { HistoryPoint } from '../lib/backup-history.js';

const W = 640;
const H = 96;
const PAD_X = 8;
const PAD_TOP = 18;
const PAD_BOTTOM = 16;

/**
 * One measure of a database's backups over time (size or duration), as bars placed by when each
 * ran. A failed or cancelled run is a triangle on the baseline (a different shape, not only a
 * different colour). The picture is for looking; the numbers are in the caption and the table.
 */
export function HistoryChart({ points, from, to, value, label, format }: { points: HistoryPoint[]; from: string; to: string; value: (p: HistoryPoint) => number | null; label: string; format: (n: number) => string }) {
  const t0 = Date.parse(from);
  const span = Math.max(1, Date.parse(to) - t0);
  const values = points.flatMap((p) => (p.ok ? [value(p) ?? 0] : []));
  const max = Math.max(1, ...values);
  const inner = W - PAD_X * 2;
  const barW = Math.max(2, Math.min(10, inner / Math.max(points.length, 1) - 1));
  const x = (at: string): number => PAD_X + Math.min(1, Math.max(0, (Date.parse(at) - t0) / span)) * (inner - barW);
  const base = H - PAD_BOTTOM;
  const failed = points.filter((p) => !p.ok).length;
  const summary = values.length === 0 ? `${label}: no successful backups in the period` : `${label}: largest ${format(max)} over ${values.length} successful backup${values.length === 1 ? '' : 's'}${failed ? `, ${failed} failed or cancelled` : ''}`;
  return (
    <svg className="history-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
      <text x={PAD_X} y={12} className="history-chart-label">
        {label} · max {format(max)}
      </text>
      <line x1={PAD_X} y1={base} x2={W - PAD_X} y2={base} className="history-chart-axis" />
      {points.map((p) => {
        const px = x(p.at);
        if (!p.ok) {
          return (
            <path key={p.at + p.outcome} d={`M${px} ${base} l${barW / 2 + 2} -8 l${barW / 2 + 2} 8 z`} className="history-chart-failed">
              <title>{`${p.at.slice(0, 16).replace('T', ' ')} UTC: ${p.outcome}${p.error ? ` — ${p.error}` : ''}`}</title>
            </path>
          );
        }
        const v = value(p) ?? 0;
        const h = Math.max(1, ((base - PAD_TOP) * v) / max);
        return (
          <rect key={p.at} x={px} y={base - h} width={barW} height={h} className="history-chart-bar">
            <title>{`${p.at.slice(0, 16).replace('T', ' ')} UTC: ${format(v)}`}</title>
          </rect>
        );
      })}
      <text x={PAD_X} y={H - 3} className="history-chart-label">
        {from.slice(0, 10)}
      </text>
      <text x={W - PAD_X} y={H - 3} textAnchor="end" className="history-chart-label">
        {to.slice(0, 10)}
      </text>
    </svg>
  );
}
