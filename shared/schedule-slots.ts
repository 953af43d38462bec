// When a schedule runs, computed with croner (cron expressions, IANA time zones, DST handled:
// a daily time that falls in a spring-forward gap runs once when the clock reaches the gap's end,
// one that falls in an autumn fall-back hour runs once, at its first occurrence). Pure: the clock
// is always a parameter, so the app can preview the next runs and tests can move time freely.
import { Cron } from 'croner';
import { cronOf, type Schedule } from './schedule.js';

type Timing = Pick<Schedule, 'when' | 'timezone'>;

function cronFor(s: Timing): Cron {
  return new Cron(cronOf(s), { paused: true, ...(s.timezone ? { timezone: s.timezone } : {}) });
}

/** Returns why the timing cannot be used (bad cron expression, unknown time zone), or null. */
export function timingProblem(s: Timing): string | null {
  if (s.timezone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: s.timezone });
    } catch {
      return `"${s.timezone}" is not a known time zone (use an IANA name such as Europe/Berlin)`;
    }
  }
  try {
    const next = cronFor(s).nextRun(new Date());
    if (!next) return `the cron expression "${cronOf(s)}" never fires`;
  } catch (e) {
    return `the cron expression "${cronOf(s)}" is not valid (${(e as Error).message})`;
  }
  return null;
}

/** The next `count` run times strictly after `from`. */
export function nextRuns(s: Timing, from: Date, count: number): Date[] {
  return cronFor(s).nextRuns(count, from);
}

/**
 * Slots in (after, until], oldest first, at most `max` (the newest are the ones that matter).
 * The work is bounded by `max`, never by how far back `after` lies: walking slot by slot from a
 * years-old creation time (or a damaged lastSlot) through a per-minute cron took minutes of
 * blocked event loop, in which not even SIGTERM was handled. Past `max`, the newest slots are
 * found by walking back from `until`.
 */
export function slotsBetween(s: Timing, after: Date, until: Date, max = 10_000): { slots: Date[]; truncated: boolean } {
  const cron = cronFor(s);
  const slots: Date[] = [];
  let cursor = after;
  for (;;) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() > until.getTime()) return { slots, truncated: false };
    if (slots.length === max) break;
    slots.push(next);
    cursor = next;
  }
  // croner's reference for previousRuns is exclusive and whole-second: look from the next second.
  const newest = cron
    .previousRuns(max, new Date(Math.floor(until.getTime() / 1000) * 1000 + 1000))
    .filter((d) => d.getTime() > after.getTime() && d.getTime() <= until.getTime())
    .reverse();
  return { slots: newest, truncated: true };
}

/** Missed slots beyond this many are counted as this many ("100 missed"), to bound the work. */
const MISSED_COUNTED = 100;

export type DueAction = 'none' | 'run' | 'catch-up' | 'skip-missed';

export interface DueDecision {
  action: DueAction;
  /** The slot this decision is about (the newest one due), null when none is. */
  slot: Date | null;
  /** Older slots passed over without a run (the machine slept, the app was closed). */
  missed: number;
}

/**
 * What to do at `now`, given the last slot already handled. A slot less than `graceMs` old runs
 * as usual; an older one was missed (asleep, closed) and runs once if catch-up is on. Several
 * missed slots never mean several runs: one catch-up covers them all.
 */
export function decideDue(s: Timing & Pick<Schedule, 'catchUp'>, lastHandled: Date, now: Date, graceMs: number): DueDecision {
  // Only the newest slot and a count of the missed ones matter: a few slots back is enough.
  const { slots, truncated } = slotsBetween(s, lastHandled, now, MISSED_COUNTED);
  const newest = slots.at(-1);
  if (!newest) return { action: 'none', slot: null, missed: 0 };
  const missedBefore = slots.length - 1 + (truncated ? 1 : 0);
  if (now.getTime() - newest.getTime() <= graceMs) return { action: 'run', slot: newest, missed: missedBefore };
  return { action: s.catchUp ? 'catch-up' : 'skip-missed', slot: newest, missed: missedBefore + (s.catchUp ? 0 : 1) };
}

export interface PlannedRun {
  schedule: string;
  at: Date;
}

/** Every run of the enabled schedules in [from, to), for the calendar; at most `limit` in all. */
export function scheduledRunsBetween(schedules: readonly (Timing & { name: string; enabled: boolean })[], from: Date, to: Date, limit = 2000): PlannedRun[] {
  const out: PlannedRun[] = [];
  for (const s of schedules) {
    if (!s.enabled) continue;
    // The earliest `limit` runs: a seconds-level schedule must not enumerate a month of slots.
    const cron = new Cron(cronOf(s), { paused: true, ...(s.timezone ? { timezone: s.timezone } : {}) });
    let cursor = new Date(from.getTime() - 1);
    for (let i = 0; i < limit; i++) {
      const next = cron.nextRun(cursor);
      if (!next || next.getTime() >= to.getTime()) break;
      out.push({ schedule: s.name, at: next });
      cursor = next;
    }
  }
  out.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.schedule < b.schedule ? -1 : a.schedule > b.schedule ? 1 : 0));
  return out.slice(0, limit);
}
