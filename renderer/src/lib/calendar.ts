// Pure calendar arithmetic for the backup calendar. Everything is in UTC, like the backup keys.
import type { BackupEntry } from '../../../shared/backup-entry.js';

export interface YearMonth {
  year: number;
  /** 0–11 */
  month: number;
}

export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function dayKey(iso: string): string {
  return iso.slice(0, 10);
}

export function ymOf(iso: string): YearMonth {
  return { year: Number(iso.slice(0, 4)), month: Number(iso.slice(5, 7)) - 1 };
}

export function addMonths(ym: YearMonth, n: number): YearMonth {
  const total = ym.year * 12 + ym.month + n;
  return { year: Math.floor(total / 12), month: ((total % 12) + 12) % 12 };
}

export function monthTitle(ym: YearMonth): string {
  return `${MONTH_NAMES[ym.month]} ${ym.year}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function isoDay(year: number, month: number, day: number): string {
  return `${year}-${pad(month + 1)}-${pad(day)}`;
}

/** Weeks (Monday first) covering the month; days outside the month are null. */
export function monthWeeks(ym: YearMonth): (string | null)[][] {
  const first = new Date(Date.UTC(ym.year, ym.month, 1));
  const daysInMonth = new Date(Date.UTC(ym.year, ym.month + 1, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const cells: (string | null)[] = [...Array<null>(lead).fill(null)];
  for (let d = 1; d <= daysInMonth; d++) cells.push(isoDay(ym.year, ym.month, d));
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

/** "25 November 2026" */
export function longDay(day: string): string {
  return `${Number(day.slice(8, 10))} ${MONTH_NAMES[Number(day.slice(5, 7)) - 1]} ${day.slice(0, 4)}`;
}

/** Groups a listing by UTC day once, so switching months only reads a map. */
export function groupByDay(entries: readonly BackupEntry[]): Map<string, BackupEntry[]> {
  const byDay = new Map<string, BackupEntry[]>();
  for (const e of entries) {
    const k = dayKey(e.createdAt);
    let list = byDay.get(k);
    if (!list) byDay.set(k, (list = []));
    list.push(e);
  }
  return byDay;
}

export interface DaySummary {
  count: number;
  pinned: number;
  /** Backups without a manifest: written by other tools (seed layout), or incomplete. */
  withoutManifest: number;
  failedJobs: number;
  verified: number;
  failedVerification: number;
  /** Backups whose last verification was a restore drill that passed (deep: restored and timed). */
  drilled?: number;
  /** Runs the schedule will start on that day (future only). */
  scheduled?: number;
}

export function describeDay(day: string, s: DaySummary): string {
  const parts = [s.count === 0 ? 'no backups' : `${s.count} backup${s.count === 1 ? '' : 's'}`];
  if (s.pinned) parts.push(`${s.pinned} pinned`);
  if (s.withoutManifest) parts.push(`${s.withoutManifest} without manifest`);
  if (s.verified) parts.push(`${s.verified} verified`);
  if (s.drilled) parts.push(`${s.drilled} restore-drilled`);
  if (s.failedVerification) parts.push(`${s.failedVerification} failed verification`);
  if (s.failedJobs) parts.push(`${s.failedJobs} failed`);
  if (s.scheduled) parts.push(`${s.scheduled} scheduled`);
  return `${longDay(day)}: ${parts.join(', ')}`;
}
