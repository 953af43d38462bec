import { drillDetails, drillSentence } from '../../../shared/drill.js';
import type { VerifyRecord } from '../../../shared/verify-record.js';
import type { ActivityLog } from '../activity/activity-log.js';
import { recordOperation } from '../activity/record-operation.js';
import { asPgConnection, type PgConnection } from '../pg/connection.js';
import { runVerify, type VerifyRequest } from './run-verify.js';

export interface VerifyLogInfo {
  profile: string | null;
  storage: string | null;
  /** Passwords an error text might contain (the app's server URL carries one). */
  secrets?: readonly string[];
}

/** How a verification reads in the activity log: a deep one is a drill, with its recovery time and server. */
export function verifySummary(r: VerifyRecord): string {
  if (r.drill) return `${r.outcome === 'passed' ? 'Drill passed' : 'Drill failed'}: ${drillSentence(r.drill)}`;
  if (r.depth === 'deep') return r.outcome === 'passed' ? 'Verified: restored into a temporary database, row counts match the manifest' : 'Drill failed';
  return r.outcome === 'passed' ? 'Verified: size, SHA-256 and contents match the manifest' : 'Verification failed';
}

/**
 * Runs a verification and writes its one activity line (the CLI, the app and the scheduler all use
 * this): a failed check is a failure line with the record's problem; a deep verification also logs
 * the drill (recovery time, bytes, server host:port and version; never a user or password), and a
 * drill that could not run (server unreachable) is logged as a failed drill on that server.
 * Returns the record; callers decide how a failed one ends for them.
 */
export async function runLoggedVerify(req: VerifyRequest, log: ActivityLog, info: VerifyLogInfo): Promise<VerifyRecord> {
  const address = req.deep && req.server ? safeAddress(req.server, req.env ?? process.env) : null;
  const known = { depth: req.deep ? 'deep' : 'quick', ...(req.deep ? { drill: true, server: address, targetMs: req.targetMs ?? null } : {}) };
  return recordOperation(
    log,
    { kind: 'verify', profile: info.profile, storage: info.storage, key: req.key ?? null, summary: 'Verified', secrets: info.secrets ?? [], details: known },
    () => runVerify(req),
    (r) => ({
      key: r.key,
      bytes: r.checks.sizeBytes,
      summary: verifySummary(r),
      details: { depth: r.depth, sha256: r.checks.sha256, ...(r.drill ? drillDetails(r.drill) : {}) },
      failure: r.outcome === 'failed' ? { code: 'VERIFY_FAILED', message: r.problem ?? `Backup ${r.key} did not verify.` } : null,
    }),
  );
}

function safeAddress(server: string | PgConnection, env: NodeJS.ProcessEnv): string | null {
  try {
    return asPgConnection(server, env).display;
  } catch {
    return null;
  }
}
