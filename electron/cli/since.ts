import { LifeboatError } from '../engine/errors.js';

/** "7d", "12h", "30m" before now, or an ISO date/time. */
export function parseSince(text: string, now: Date): Date {
  const m = /^(\d+)([dhm])$/.exec(text.trim());
  if (m) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - Number(m[1]) * unit);
  }
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new LifeboatError('BAD_INPUT', `"${text}" is not a date or a duration; use e.g. 2026-11-01 or 7d.`);
  return d;
}
