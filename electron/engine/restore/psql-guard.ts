import { randomBytes } from 'node:crypto';
import { LifeboatError } from '../errors.js';
import type { PgToolCandidate } from '../pg/tool-discovery.js';
import type { PlainSqlFilter } from './plain-sql-filter.js';

/**
 * The first minor of each major whose psql has \restrict (the fix for CVE-2025-8714). In
 * restricted mode psql refuses every meta-command until \unrestrict with the same key.
 */
const RESTRICT_SINCE: Readonly<Record<number, number>> = { 13: 22, 14: 19, 15: 14, 16: 10, 17: 6 };

export function psqlSupportsRestrict(version: string): boolean {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2] ?? 0);
  if (major >= 18) return true;
  const since = RESTRICT_SINCE[major];
  return since !== undefined && minor >= since;
}

/** A psql that cannot fence off a backup's meta-commands is never used to restore one. */
export function requireRestrictingPsql(tool: PgToolCandidate): void {
  if (psqlSupportsRestrict(tool.version)) return;
  throw new LifeboatError(
    'PG_TOOL_MISSING',
    `psql ${tool.version} (${tool.path}) is too old to restore safely: it lacks \\restrict (psql 13.22, 14.19, 15.14, 16.10, 17.6 or later), so a backup could run commands on this machine; install a current PostgreSQL client.`,
    { hint: { kind: 'choose-pg-bin' } },
  );
}

/** A key only this run knows: the backup cannot contain the \unrestrict that would end the fence. */
export function newRestrictKey(): string {
  return randomBytes(24).toString('hex');
}

/**
 * psql's refusal of a meta-command, turned into the restore's sentence. `offset` is how many lines
 * Lifeboat wrote before the backup's first line; `filter` names the command on that line.
 */
export function refusedMetaCommand(stderr: string, offset: number, filter: PlainSqlFilter | null, backupLines: boolean): LifeboatError | null {
  const m = /psql:[^\n]*?:(\d+): error: (?:backslash commands are restricted|\\unrestrict: wrong key)/.exec(stderr);
  if (!m) return null;
  const line = Number(m[1]) - offset;
  const cmd = filter?.metaCommandOnLine(line) ?? '\\…';
  const where = backupLines ? `on line ${line}` : `on line ${line} of the SQL pg_restore made from it`;
  return new LifeboatError(
    'UNSAFE_BACKUP',
    `The backup contains a psql meta-command (${cmd}) ${where}; Lifeboat never runs commands from a backup, so nothing was restored. Check who can write to this storage.`,
  );
}
