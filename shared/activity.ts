// One line of the activity log: every operation (backup, restore, verify, prune, scheduler
// decisions, notifications) with when, how it ended, how many bytes, for which profile, and why it
// failed. Never a secret: URLs are shown without passwords and messages are scrubbed before writing.

export type ActivityOutcome = 'success' | 'failure' | 'cancelled' | 'skipped' | 'info';

// One list: the log's type, the contract's validation and the CLI's --kind choices all come from it.
export const ACTIVITY_KINDS = ['backup', 'import', 'restore', 'extract', 'verify', 'prune', 'scheduler', 'notification', 'report'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
export const ACTIVITY_OUTCOMES: readonly ActivityOutcome[] = ['success', 'failure', 'cancelled', 'skipped', 'info'];

export interface ActivityEntry {
  id: string;
  kind: ActivityKind;
  outcome: ActivityOutcome;
  /** Profile or schedule name; null for ad-hoc CLI runs. */
  profile: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Bytes written or read, when the operation moves data. */
  bytes: number | null;
  /** Where (storage URL without credentials) and what (backup key), when known. */
  storage: string | null;
  key: string | null;
  /** One line for people. */
  summary: string;
  error: { code: string; message: string } | null;
  /** Small structured extras (counts, attempt numbers, webhook status); no secrets. */
  details: Record<string, string | number | boolean | null>;
}

export interface ActivityFilter {
  profile?: string | undefined;
  kind?: ActivityKind | undefined;
  outcome?: ActivityOutcome | undefined;
  since?: Date | undefined;
}

export function matchesFilter(e: ActivityEntry, f: ActivityFilter): boolean {
  if (f.profile !== undefined && e.profile !== f.profile) return false;
  if (f.kind !== undefined && e.kind !== f.kind) return false;
  if (f.outcome !== undefined && e.outcome !== f.outcome) return false;
  if (f.since !== undefined && new Date(e.startedAt).getTime() < f.since.getTime()) return false;
  return true;
}
