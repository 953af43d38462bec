import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { LifeboatError } from '../errors.js';

/**
 * Every session a restore opens carries this application_name, so Lifeboat can find its own
 * backends: after a cancel or failure it ends any still running (a backend waiting for a lock, or
 * in the middle of a long statement, does not notice that its psql was killed, and keeps its locks).
 */
export function runApplicationName(purpose: string): string {
  return `lifeboat-${purpose}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export async function terminateRunBackends(client: pg.Client, applicationName: string): Promise<number> {
  const r = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [applicationName]);
  for (const row of r.rows) await client.query('SELECT pg_terminate_backend($1)', [row.pid]);
  return r.rowCount ?? 0;
}

interface Holder {
  pid: number;
  usename: string | null;
  application_name: string | null;
  state: string | null;
  since: Date | null;
}

/**
 * The sessions that hold locks in the target database (what --clean's DROP statements wait for):
 * named with what a DBA needs to find and end them.
 */
export async function lockTimeoutError(client: pg.Client, database: string, display: string, applicationName: string, seconds: number): Promise<LifeboatError> {
  let holders: Holder[] = [];
  try {
    const r = await client.query<Holder>(
      `SELECT DISTINCT a.pid, a.usename, a.application_name, a.state, coalesce(a.xact_start, a.query_start, a.backend_start) AS since
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = $1)
          AND a.pid <> pg_backend_pid() AND a.application_name IS DISTINCT FROM $2
        ORDER BY a.pid LIMIT 10`,
      [database, applicationName],
    );
    holders = r.rows;
  } catch {
    holders = [];
  }
  const list = holders
    .map((h) => `pid ${h.pid} (user ${h.usename ?? '?'}, application "${h.application_name ?? ''}", ${h.state ?? 'unknown state'}${h.since ? ` since ${h.since.toISOString()}` : ''})`)
    .join('; ');
  const who = holders.length > 0 ? `: ${list}` : ' (they have finished since)';
  const end = holders.length > 0 ? `end them (SELECT pg_terminate_backend(${holders[0]?.pid ?? 'PID'}), …) or wait until they finish` : 'try again';
  return new LifeboatError(
    'LOCK_TIMEOUT',
    `The restore into "${database}" on ${display} waited ${seconds} s for locks held by other sessions and stopped, so nothing was changed${who}; ${end}.`,
    { hint: { kind: 'wait-longer' } },
  );
}
