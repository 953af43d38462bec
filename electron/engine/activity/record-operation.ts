import type { ActivityKind } from '../../../shared/activity.js';
import { errorForLog, outcomeOf, type ActivityLog } from './activity-log.js';

export interface OperationInfo {
  kind: ActivityKind;
  profile: string | null;
  storage: string | null;
  key: string | null;
  /** Said on success, e.g. "Restored shop into shop_copy". */
  summary: string;
  /** Passwords the error text might contain, masked before writing. */
  secrets?: readonly string[];
}

/**
 * Runs any operation (restore, extract, verify…) and appends one activity line with how it ended;
 * for the engine parts that have no dedicated wrapper. `measure` reads bytes and extra details off
 * the result. The log never changes the outcome: a failed write is ignored.
 */
export async function recordOperation<T>(log: ActivityLog, info: OperationInfo, run: () => Promise<T>, measure: (r: T) => { bytes?: number | null; key?: string | null; summary?: string; details?: Record<string, string | number | boolean | null> } = () => ({})): Promise<T> {
  const startedAt = new Date().toISOString();
  try {
    const r = await run();
    const m = measure(r);
    await log
      .append({ kind: info.kind, outcome: 'success', profile: info.profile, startedAt, endedAt: new Date().toISOString(), bytes: m.bytes ?? null, storage: info.storage, key: m.key ?? info.key, summary: m.summary ?? info.summary, error: null, details: m.details ?? {} })
      .catch(() => undefined);
    return r;
  } catch (e) {
    const error = errorForLog(e);
    for (const s of info.secrets ?? []) if (s) error.message = error.message.split(s).join('***');
    await log
      .append({ kind: info.kind, outcome: outcomeOf(e), profile: info.profile, startedAt, endedAt: new Date().toISOString(), bytes: null, storage: info.storage, key: info.key, summary: `${info.kind} ${outcomeOf(e) === 'cancelled' ? 'cancelled' : 'failed'}`, error, details: {} })
      .catch(() => undefined);
    throw e;
  }
}
