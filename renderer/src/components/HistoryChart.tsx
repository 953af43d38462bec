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
 * With a `limit` (a drill's recovery-time target), a dashed line marks it and a bar above it
 * carries a circle on its top, so "over the target" reads by position and shape too.
 */
export function HistoryChart({ points, from, to, value, label, format, limit, noun = 'backup' }: { points: HistoryPoint[]; from: string; to: string; value: (p: HistoryPoint) => number | null; label: string; format: (n: number) => string; limit?: number | null; noun?: string }) {
  const t0 = Date.parse(from);
  const span = Math.max(1, Date.parse(to) - t0);
  const values = points.flatMap((p) => (p.ok ? [value(p) ?? 0] : []));
  const max = Math.max(1, ...values, limit ?? 0);
  const inner = W - PAD_X * 2;
  const barW = Math.max(2, Math.min(10, inner / Math.max(points.length, 1) - 1));
  const x = (at: string): number => PAD_X + Math.min(1, Math.max(0, (Date.parse(at) - t0) / span)) * (inner - barW);
  const base = H - PAD_BOTTOM;
  const failed = points.filter((p) => !p.ok).length;
  const over = limit ? values.filter((v) => v > limit).length : 0;
  const largest = Math.max(0, ...values);
  const target = limit ? `; target ${format(limit)}, ${over} over it` : '';
  const summary = values.length === 0 ? `${label}: no successful ${noun}s in the period` : `${label}: largest ${format(largest)} over ${values.length} successful ${noun}${values.length === 1 ? '' : 's'}${failed ? `, ${failed} failed or cancelled` : ''}${target}`;
  const limitY = limit ? base - ((base - PAD_TOP) * limit) / max : null;
  return (
    <svg className="history-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
      <text x={PAD_X} y={12} className="history-chart-label">
        {label} · max {format(max)}
      </text>
      <line x1={PAD_X} y1={base} x2={W - PAD_X} y2={base} className="history-chart-axis" />
      {limitY !== null && <line x1={PAD_X} y1={limitY} x2={W - PAD_X} y2={limitY} className="history-chart-limit" />}
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
        const isOver = limit ? v > limit : false;
        const tip = `${p.at.slice(0, 16).replace('T', ' ')} UTC: ${format(v)}${isOver ? ' (over the target)' : ''}`;
        return (
          <g key={p.at}>
            <rect x={px} y={base - h} width={barW} height={h} className={isOver ? 'history-chart-bar history-chart-over' : 'history-chart-bar'}>
              <title>{tip}</title>
            </rect>
            {isOver && <circle cx={px + barW / 2} cy={base - h - 4} r={3.5} className="history-chart-over" />}
          </g>
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
