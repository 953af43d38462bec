// The weekly status report: per profile and overall, from the storage listing (what exists) and
// the activity log (what happened). Pure: the app renders it, the CLI writes it as HTML.
import type { ActivityEntry } from './activity.js';
import type { BackupEntry } from './backup-entry.js';
import { drillPointsOf, drillWarning, summarizeDrills, type DrillSummary } from './drill.js';
import { durationText, formatDuration } from './duration.js';
import { isSuccessful } from './retention.js';

export interface ProfileInput {
  name: string;
  storage: string;
  backups: BackupEntry[];
  /** Activity of this profile (any period; the report picks its own). */
  activity: ActivityEntry[];
  /** Listing failed: the report says so instead of pretending there are no backups. */
  listingError?: string | null;
  /** The stored verify record (<key>.verify.json) of the newest backup, whoever ran the verification. */
  verifyRecord?: { at: string; outcome: 'success' | 'failure'; key: string; message: string | null } | null;
  /** The schedule's recovery-time target for its drills (ms); null or absent: none. */
  rtoMs?: number | null;
}

export type HealthState = 'ok' | 'warning' | 'failing';

export interface ProfileReport {
  name: string;
  storage: string;
  state: HealthState;
  /** Why the state is not ok, in words. */
  problems: string[];
  backupsInPeriod: number;
  bytesInPeriod: number;
  failuresInPeriod: number;
  lastSuccessAt: string | null;
  lastSuccessAgeHours: number | null;
  sizes: { at: string; bytes: number }[];
  verification: { at: string; outcome: string; key: string | null; message: string | null } | null;
  retention: { runs: number; deleted: number };
  totalBackups: number;
  totalBytes: number;
  pinned: number;
  /** Restore drills (deep verifications) over time: the last ones, their trend and the target. */
  drills: DrillSummary;
}

export interface StatusReport {
  generatedAt: string;
  since: string;
  until: string;
  profiles: ProfileReport[];
  overall: { state: HealthState; backupsInPeriod: number; failuresInPeriod: number; bytesInPeriod: number; totalBytes: number; profiles: number };
}

const HOUR = 3_600_000;
/** How many recent drills a report shows per database. */
export const DRILLS_SHOWN = 10;

function inPeriod(iso: string, since: Date, until: Date): boolean {
  const t = new Date(iso).getTime();
  return t >= since.getTime() && t <= until.getTime();
}

export function buildProfileReport(p: ProfileInput, since: Date, until: Date, maxAgeHours = 48): ProfileReport {
  const good = p.backups.filter(isSuccessful);
  const period = good.filter((b) => inPeriod(b.createdAt, since, until));
  const newest = good.reduce<BackupEntry | null>((n, b) => (!n || b.createdAt > n.createdAt ? b : n), null);
  const failures = p.activity.filter((e) => e.kind === 'backup' && e.outcome === 'failure' && inPeriod(e.startedAt, since, until));
  const verifies = p.activity.filter((e) => e.kind === 'verify').sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  const fromLog = verifies[0];
  const rec = p.verifyRecord ?? null;
  // The newer of the logged verification and the record stored beside the newest backup.
  const v = rec && (!fromLog || rec.at > fromLog.startedAt) ? { startedAt: rec.at, outcome: rec.outcome, key: rec.key, error: rec.message ? { code: 'VERIFY_FAILED', message: rec.message } : null } : fromLog;
  const prunes = p.activity.filter((e) => e.kind === 'prune' && e.outcome === 'success' && inPeriod(e.startedAt, since, until));
  const ageHours = newest ? Math.max(0, (until.getTime() - new Date(newest.createdAt).getTime()) / HOUR) : null;
  const problems: string[] = [];
  let state: HealthState = 'ok';
  if (p.listingError) {
    problems.push(`could not list the storage: ${p.listingError}`);
    state = 'failing';
  } else if (ageHours === null) {
    problems.push('no successful backup at all');
    state = 'failing';
  } else if (ageHours > maxAgeHours) {
    problems.push(`the last successful backup is ${Math.round(ageHours)} hours old`);
    state = 'failing';
  }
  if (failures.length > 0) {
    problems.push(`${failures.length} failed backup(s) in the period`);
    if (state === 'ok') state = 'warning';
  }
  const drills = summarizeDrills(drillPointsOf(p.activity), p.rtoMs ?? null, DRILLS_SHOWN);
  const slow = drillWarning(drills);
  if (slow) {
    problems.push(slow);
    if (state === 'ok') state = 'warning';
  }
  if (v && v.outcome === 'failure') {
    problems.push(`the last verification failed: ${v.error?.message ?? 'unknown error'}`);
    state = 'failing';
  } else if (!v) {
    problems.push('never verified');
    if (state === 'ok') state = 'warning';
  }
  return {
    name: p.name,
    storage: p.storage,
    state,
    problems,
    backupsInPeriod: period.length,
    bytesInPeriod: period.reduce((s, b) => s + b.sizeBytes, 0),
    failuresInPeriod: failures.length,
    lastSuccessAt: newest?.createdAt ?? null,
    lastSuccessAgeHours: ageHours === null ? null : Math.round(ageHours * 10) / 10,
    sizes: period.map((b) => ({ at: b.createdAt, bytes: b.sizeBytes })).sort((a, b) => (a.at < b.at ? -1 : 1)),
    verification: v ? { at: v.startedAt, outcome: v.outcome, key: v.key, message: v.error?.message ?? null } : null,
    retention: { runs: prunes.length, deleted: prunes.reduce((s, e) => s + (typeof e.details.deleted === 'number' ? e.details.deleted : 0), 0) },
    totalBackups: good.length,
    totalBytes: good.reduce((s, b) => s + b.sizeBytes, 0),
    pinned: p.backups.filter((b) => b.pinned).length,
    drills,
  };
}

const RANK: Record<HealthState, number> = { ok: 0, warning: 1, failing: 2 };

export function buildStatusReport(profiles: ProfileInput[], since: Date, until: Date): StatusReport {
  const reports = profiles.map((p) => buildProfileReport(p, since, until));
  const worst = reports.reduce<HealthState>((w, r) => (RANK[r.state] > RANK[w] ? r.state : w), 'ok');
  return {
    generatedAt: until.toISOString(),
    since: since.toISOString(),
    until: until.toISOString(),
    profiles: reports,
    overall: {
      state: reports.length === 0 ? 'warning' : worst,
      backupsInPeriod: reports.reduce((s, r) => s + r.backupsInPeriod, 0),
      failuresInPeriod: reports.reduce((s, r) => s + r.failuresInPeriod, 0),
      bytesInPeriod: reports.reduce((s, r) => s + r.bytesInPeriod, 0),
      totalBytes: reports.reduce((s, r) => s + r.totalBytes, 0),
      profiles: reports.length,
    },
  };
}

/** A short plain-text summary, for webhooks and the terminal. */
export function reportSummary(r: StatusReport): string {
  const lines = [`Lifeboat status ${r.since.slice(0, 10)} – ${r.until.slice(0, 10)}: ${r.overall.state.toUpperCase()}, ${r.overall.backupsInPeriod} backup(s), ${r.overall.failuresInPeriod} failure(s).`];
  for (const p of r.profiles) {
    const age = p.lastSuccessAgeHours === null ? 'never' : `${p.lastSuccessAgeHours} h ago`;
    lines.push(`- ${p.name}: ${p.state}; ${p.backupsInPeriod} backup(s), ${p.failuresInPeriod} failure(s), last success ${age}, verification ${p.verification ? `${p.verification.outcome} ${p.verification.at.slice(0, 10)}` : 'never'}, pruned ${p.retention.deleted}${p.problems.length ? ` — ${p.problems.join('; ')}` : ''}`);
    const d = drillLine(p.drills);
    if (d) lines.push(`  ${d}`);
    const slow = drillWarning(p.drills);
    if (slow) lines.push(`  WARNING: ${slow}.`);
  }
  return lines.join('\n');
}

/** "restore drills (last 3, oldest first): 1m 2s, 1m 5s, FAILED; trend steady; target 15m" or null without drills. */
export function drillLine(d: DrillSummary): string | null {
  if (d.recent.length === 0) return null;
  const times = d.recent.map((p) => (p.outcome === 'failed' ? 'FAILED' : p.recoveryMs === null ? '?' : `${formatDuration(p.recoveryMs)}${p.overTarget ? ' (over target)' : ''}`));
  const trend = d.trend ? `; trend ${d.trend}` : '';
  const target = d.targetMs !== null ? `; target ${durationText(d.targetMs)}` : '; no target (set one with `lifeboat scheduler edit NAME --rto 15m`)';
  return `restore drills (last ${d.recent.length}, oldest first): ${times.join(', ')}${trend}${target}`;
}
