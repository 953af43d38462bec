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
  /** Details known before it runs (e.g. which server), logged also when it throws. */
  details?: Record<string, string | number | boolean | null>;
}

export interface OperationMeasure {
  bytes?: number | null;
  key?: string | null;
  summary?: string;
  details?: Record<string, string | number | boolean | null>;
  /** The operation ran to its end and found a problem (a verification that failed): logged as a failure. */
  failure?: { code: string; message: string } | null;
}

/**
 * Runs any operation (restore, extract, verify…) and appends one activity line with how it ended;
 * for the engine parts that have no dedicated wrapper. `measure` reads bytes and extra details off
 * the result. The log never changes the outcome: a failed write is ignored.
 */
export async function recordOperation<T>(log: ActivityLog, info: OperationInfo, run: () => Promise<T>, measure: (r: T) => OperationMeasure = () => ({})): Promise<T> {
  const startedAt = new Date().toISOString();
  const mask = (error: { code: string; message: string }): { code: string; message: string } => {
    let message = error.message;
    for (const s of info.secrets ?? []) if (s) message = message.split(s).join('***');
    return { code: error.code, message };
  };
  let r: T;
  try {
    r = await run();
  } catch (e) {
    await log
      .append({ kind: info.kind, outcome: outcomeOf(e), profile: info.profile, startedAt, endedAt: new Date().toISOString(), bytes: null, storage: info.storage, key: info.key, summary: `${info.kind} ${outcomeOf(e) === 'cancelled' ? 'cancelled' : 'failed'}`, error: mask(errorForLog(e)), details: info.details ?? {} })
      .catch(() => undefined);
    throw e;
  }
  const m = measure(r);
  await log
    .append({ kind: info.kind, outcome: m.failure ? 'failure' : 'success', profile: info.profile, startedAt, endedAt: new Date().toISOString(), bytes: m.bytes ?? null, storage: info.storage, key: m.key ?? info.key, summary: m.summary ?? info.summary, error: m.failure ? mask(m.failure) : null, details: { ...info.details, ...m.details } })
    .catch(() => undefined);
  return r;
}
