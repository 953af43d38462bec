// Durations as people type and read them: "15m", "1h30m", "90s" for a recovery-time target, and
// "1m 12s" in reports. Pure, shared by the CLI, the engine and the app.

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000 } as const;

/** "15m", "1h30m", "2h", "45s", "1h 5m" → milliseconds; null when it is not such a duration (or is zero). */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase().replace(/\s+/g, '');
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (!t || !m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return null;
  const ms = Number(m[1] ?? 0) * UNIT_MS.h + Number(m[2] ?? 0) * UNIT_MS.m + Number(m[3] ?? 0) * UNIT_MS.s;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

/** The shortest way to write a target back: 900000 → "15m", 5400000 → "1h30m". */
export function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest || s === 0 ? `${rest}s` : ''}`;
}

/** A measured time for people: "4.2 s", "1m 12s", "1h 3m 0s". */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  if (h > 0) return `${h}h ${m % 60}m ${s % 60}s`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A schedule's recovery-time target as typed (`--rto 15m`, the app's field): "" or "none" clears
 * it (null); anything else must be a duration, or the sentence says what to type instead.
 */
export function parseRtoTarget(text: string): { ok: true; ms: number | null } | { ok: false; problem: string } {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'none') return { ok: true, ms: null };
  const ms = parseDuration(t);
  if (ms === null) return { ok: false, problem: `"${t}" is not a recovery-time target; give a duration like 15m, 1h30m or 90s (or "none" for no target).` };
  return { ok: true, ms };
}
