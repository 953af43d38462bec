// The report as one self-contained HTML file: inline CSS, an inline SVG chart per profile, no
// script, no external resource, so it opens anywhere and can be mailed or archived as it is.
import { formatBytes } from './progress.js';
import { drillLine, type HealthState, type ProfileReport, type StatusReport } from './report.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const COLORS: Record<HealthState, string> = { ok: '#1a7f37', warning: '#9a6700', failing: '#cf222e' };

/** Backup sizes over the period as a small bar chart: one bar per backup, placed by its time. */
export function sizeChartSvg(sizes: { at: string; bytes: number }[], since: string, until: string, width = 480, height = 120): string {
  if (sizes.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="No backups in the period"><text x="10" y="${height / 2}" font-size="12" fill="#57606a">No backups in the period</text></svg>`;
  const max = Math.max(...sizes.map((s) => s.bytes), 1);
  const pad = 24;
  const t0 = new Date(since).getTime();
  const span = Math.max(1, new Date(until).getTime() - t0);
  const inner = width - pad * 2;
  const bw = Math.max(2, Math.min(24, inner / sizes.length - 2));
  const bars = sizes
    .map((s) => {
      const h = Math.max(1, Math.round(((height - pad * 2) * s.bytes) / max));
      const frac = Math.min(1, Math.max(0, (new Date(s.at).getTime() - t0) / span));
      const x = pad + frac * (inner - bw);
      return `<rect x="${x.toFixed(1)}" y="${height - pad - h}" width="${bw.toFixed(1)}" height="${h}" fill="#0969da"><title>${escapeHtml(s.at)}: ${escapeHtml(formatBytes(s.bytes))}</title></rect>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="Backup sizes over the period">` +
    `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#d0d7de"/>` +
    `<text x="${pad}" y="14" font-size="11" fill="#57606a">max ${escapeHtml(formatBytes(max))}</text>${bars}` +
    `<text x="${pad}" y="${height - 6}" font-size="10" fill="#57606a">${escapeHtml(since.slice(0, 10))}</text>` +
    `<text x="${width - pad}" y="${height - 6}" font-size="10" fill="#57606a" text-anchor="end">${escapeHtml(until.slice(0, 10))}</text></svg>`
  );
}

function profileSection(p: ProfileReport, since: string, until: string): string {
  const age = p.lastSuccessAgeHours === null ? 'never' : `${p.lastSuccessAgeHours} hours ago (${escapeHtml(p.lastSuccessAt ?? '')})`;
  const verification = p.verification ? `${escapeHtml(p.verification.outcome)} on ${escapeHtml(p.verification.at)}${p.verification.key ? ` (${escapeHtml(p.verification.key)})` : ''}${p.verification.message ? ` — ${escapeHtml(p.verification.message)}` : ''}` : 'never verified';
  return `<section><h2>${escapeHtml(p.name)} <span class="state" style="background:${COLORS[p.state]}">${p.state}</span></h2>
<p class="where">${escapeHtml(p.storage)}</p>
${p.problems.length ? `<ul class="problems">${p.problems.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>` : ''}
<table>
<tr><th>Backups in the period</th><td>${p.backupsInPeriod} (${escapeHtml(formatBytes(p.bytesInPeriod))})</td></tr>
<tr><th>Failures in the period</th><td>${p.failuresInPeriod}</td></tr>
<tr><th>Last successful backup</th><td>${age}</td></tr>
<tr><th>Verification</th><td>${verification}</td></tr>
<tr><th>Restore drills</th><td>${escapeHtml(drillLine(p.drills) ?? 'none yet')}</td></tr>
<tr><th>Retention</th><td>${p.retention.runs} pass(es), ${p.retention.deleted} backup(s) deleted</td></tr>
<tr><th>Stored now</th><td>${p.totalBackups} backup(s), ${escapeHtml(formatBytes(p.totalBytes))}, ${p.pinned} pinned</td></tr>
</table>
<figure>${sizeChartSvg(p.sizes, since, until)}<figcaption>Backup sizes in the period</figcaption></figure>
</section>`;
}

export function renderReportHtml(r: StatusReport): string {
  const o = r.overall;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Lifeboat status report ${escapeHtml(r.since.slice(0, 10))} – ${escapeHtml(r.until.slice(0, 10))}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;max-width:760px;margin:2em auto;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
.state{color:#fff;border-radius:4px;padding:1px 8px;font-size:.8em;text-transform:uppercase}
.where{color:#57606a;margin:.2em 0}.problems{color:#cf222e}
table{border-collapse:collapse}th{text-align:left;font-weight:600;padding:2px 16px 2px 0;vertical-align:top;white-space:nowrap}td{padding:2px 0}
figure{margin:1em 0}figcaption{color:#57606a;font-size:.85em}
</style></head><body>
<h1>Lifeboat status report <span class="state" style="background:${COLORS[o.state]}">${o.state}</span></h1>
<p>${escapeHtml(r.since)} to ${escapeHtml(r.until)} · ${o.profiles} profile(s) · ${o.backupsInPeriod} backup(s) (${escapeHtml(formatBytes(o.bytesInPeriod))}) · ${o.failuresInPeriod} failure(s) · ${escapeHtml(formatBytes(o.totalBytes))} stored</p>
${r.profiles.map((p) => profileSection(p, r.since, r.until)).join('\n')}
<p class="where">Generated by Lifeboat at ${escapeHtml(r.generatedAt)}.</p>
</body></html>
`;
}
