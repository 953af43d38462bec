import type { BackupRequest, BackupResult } from '../backup/backup-request.js';
import { resolveTarget, runBackup } from '../backup/run-backup.js';
import { describeFailedCopies } from '../copies/copy-to-destinations.js';
import { parsePgConnection } from '../pg/connection.js';
import { describeTarget } from '../storage/target.js';
import { errorForLog, outcomeOf, type ActivityLog } from './activity-log.js';

/**
 * runBackup plus one activity-log line with how it ended. The log never decides the outcome: a
 * log write that fails after a good backup does not turn it into a failure.
 */
export async function runLoggedBackup(req: BackupRequest, log: ActivityLog, profile: string | null = null, details: Record<string, string | number | boolean | null> = {}): Promise<BackupResult> {
  const startedAt = new Date();
  const env = req.env ?? process.env;
  let storage: string | null = null;
  let db: string | null = null;
  let password: string | undefined;
  try {
    storage = describeTarget(resolveTarget(req.to, env));
    const conn = typeof req.db === 'object' ? req.db : parsePgConnection(req.db, env);
    db = conn.display;
    password = conn.password ?? undefined;
  } catch {
    /* runBackup reports the bad input itself */
  }
  const secrets = [password, env.PGPASSWORD].filter((s): s is string => typeof s === 'string' && s.length > 0);
  try {
    const r = await runBackup(req);
    await log
      .append({ kind: 'backup', outcome: 'success', profile, startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(), bytes: r.sizeBytes, storage: r.storage, key: r.key, summary: `Backed up ${r.manifest.database} (${r.sizeBytes} bytes)${copiesSummary(r)}`, error: null, details: { ...details, db, sha256: r.sha256, label: r.manifest.label, pinned: r.manifest.pinned, ...copiesDetails(r), ...(r.warnings.length > 0 ? { warning: r.warnings.join(' ') } : {}) } })
      .catch(() => undefined);
    return r;
  } catch (e) {
    const error = errorForLog(e);
    for (const s of secrets) error.message = error.message.split(s).join('***');
    await log
      .append({ kind: 'backup', outcome: outcomeOf(e), profile, startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(), bytes: null, storage, key: null, summary: `Backup ${outcomeOf(e) === 'cancelled' ? 'cancelled' : 'failed'}${db ? ` for ${db}` : ''}`, error, details: { ...details, db } })
      .catch(() => undefined);
    throw e;
  }
}

/** ", 2 copies" or "; Partly copied: …" — a failed copy is never silent, in the log either. */
function copiesSummary(r: BackupResult): string {
  if (r.copies.length === 0) return '';
  const partly = describeFailedCopies(r.copies);
  return partly ? `; ${partly}` : `, ${r.copies.length + 1} copies`;
}

function copiesDetails(r: BackupResult): Record<string, number | boolean> {
  if (r.copies.length === 0) return {};
  return { copies: 1 + r.copies.filter((c) => c.status === 'copied').length, partlyCopied: r.copies.some((c) => c.status === 'failed') };
}
