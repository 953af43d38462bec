import type { BackupEntry } from '../../../../shared/backup-entry.js';
import type { JobView } from '../../../../shared/ipc-contract.js';

export type DbStatus = 'running' | 'failing' | 'ok' | 'never' | 'unknown';

export interface DbStatusView {
  status: DbStatus;
  /** Words for the status, so colour is never the only signal. */
  text: string;
  /** When the newest backup was taken (ISO), if known. */
  lastBackupAt: string | null;
}

/**
 * A database's state at a glance, from what the stores already hold: a running backup job wins;
 * then the newer of the last finished backup job and the newest listed backup (a failed job newer
 * than every stored backup means "failing"); a listing with no backups means "never".
 */
export function dbStatus(targetId: string, jobs: Record<string, JobView>, listing: { entries: BackupEntry[]; listedAt: string | null } | undefined): DbStatusView {
  let lastJob: JobView | null = null;
  for (const j of Object.values(jobs)) {
    if (j.targetId !== targetId || j.kind !== 'backup') continue;
    if (j.state === 'running') return { status: 'running', text: 'backing up now', lastBackupAt: listing?.entries[0]?.createdAt ?? null };
    if (j.state === 'cancelled') continue;
    if (!lastJob || (j.finishedAt ?? j.startedAt) > (lastJob.finishedAt ?? lastJob.startedAt)) lastJob = j;
  }
  const newest = listing?.entries[0]?.createdAt ?? null;
  const lastOk = lastJob?.state === 'done' ? (lastJob.finishedAt ?? lastJob.startedAt) : null;
  const lastBackupAt = [newest, lastOk].filter((x): x is string => x !== null).sort().at(-1) ?? null;
  if (lastJob?.state === 'failed' && (!lastBackupAt || lastJob.startedAt > lastBackupAt)) return { status: 'failing', text: 'last backup failed', lastBackupAt };
  if (lastBackupAt) return { status: 'ok', text: 'last backup ok', lastBackupAt };
  if (listing?.listedAt) return { status: 'never', text: 'never backed up', lastBackupAt: null };
  return { status: 'unknown', text: 'not checked yet', lastBackupAt: null };
}

/** "2 h ago", "3 days ago": the last backup's age as people say it; `now` is injected. */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}
