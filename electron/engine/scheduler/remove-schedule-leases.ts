// A schedule's slot leases outlive its runs on purpose (the newest one tells a scheduler catching
// that slot up that it was already run, see slot-lease.ts). Once the schedule is removed nobody
// runs its slots any more, so its lease objects go with it, rather than stay in the storage for
// ever. Only its own folder, and never a lease another scheduler holds right now.
import os from 'node:os';
import type { Schedule } from '../../../shared/schedule.js';
import { errorForLog } from '../activity/activity-log.js';
import { processAlive } from '../jobs/process-alive.js';
import { databaseNameOf } from '../pg/connection.js';
import { openStorage } from '../storage/open-storage.js';
import type { BackupStorage } from '../storage/storage.js';
import { systemClock, type Clock } from './clock.js';
import { schedulePlaces } from './schedule-actions.js';
import { readLease, type LeaseHolder } from './slot-lease.js';
import { leaseFolder, leaseMsFromEnv, slotStampOfKey } from './slot-lease-record.js';

export interface LeaseCleanup {
  /** The storage, as shown (no credentials). */
  storage: string | null;
  removed: number;
  /** Leases left because a scheduler holds them right now; each expires by itself. */
  kept: LeaseHolder[];
  /** Why the leases could not be looked at (the schedule is removed all the same). */
  problem: string | null;
}

export interface LeaseCleanupRequest {
  storage: BackupStorage;
  prefix: string;
  schedule: string;
  database: string;
  clock: Clock;
  leaseMs: number;
  /** This machine's name, as leases record their holder (os.hostname()). */
  host: string;
  /** Whether a process of this machine still runs (a live lease of a dead local process is stale). */
  isRunning: (pid: number) => boolean;
}

/**
 * Deletes the leases in one schedule's folder that nobody holds: finished (done or released),
 * expired, or live but held by a process of this machine that no longer runs. A live lease of
 * another machine, or of a process here that still runs, stays: deleting it would let a second
 * scheduler run that slot.
 */
export async function removeScheduleLeases(req: LeaseCleanupRequest): Promise<{ removed: number; kept: LeaseHolder[] }> {
  const folder = leaseFolder(req.prefix, req.database, req.schedule);
  const now = req.clock.now();
  const doomed: string[] = [];
  const kept: LeaseHolder[] = [];
  for await (const o of req.storage.list(`${folder}/`)) {
    // Only lease objects, as Lifeboat names them: anything else under the folder is not ours to judge.
    if (slotStampOfKey(o.key) === null) continue;
    const found = await readLease(req.storage, o.key, now, req.leaseMs);
    if (!found) continue;
    const staleHere = found.lease !== null && found.lease.host === req.host && !req.isRunning(found.lease.pid);
    if (found.holder.standing !== 'live' || staleHere) doomed.push(o.key);
    else kept.push(found.holder);
  }
  if (doomed.length > 0) await req.storage.delete(doomed);
  return { removed: doomed.length, kept };
}


/**
 * After `scheduler remove` (CLI) or the app's Remove schedule: the removed schedule's leases in its
 * storage. Never throws: the schedule is gone either way, and the result says what was left.
 */
export async function cleanUpRemovedSchedule(s: Schedule, env: NodeJS.ProcessEnv, clock: Clock = systemClock): Promise<LeaseCleanup> {
  let storage: BackupStorage | null = null;
  try {
    const { target, db } = await schedulePlaces(s, env);
    storage = openStorage(target);
    const r = await removeScheduleLeases({ storage, prefix: target.prefix, schedule: s.name, database: databaseNameOf(db, env), clock, leaseMs: leaseMsFromEnv(env), host: os.hostname(), isRunning: processAlive });
    return { storage: storage.display, ...r, problem: null };
  } catch (e) {
    return { storage: storage?.display ?? null, removed: 0, kept: [], problem: errorForLog(e).message };
  }
}

/** One sentence for the CLI and the app, or '' when there was nothing to say. */
export function describeLeaseCleanup(c: LeaseCleanup): string {
  const where = c.storage ?? 'its storage';
  if (c.problem) return `Its slot leases in ${where} could not be removed (${c.problem.replace(/\.$/, '')}); they are small objects under .lifeboat/leases/ that no other schedule reads, so they can stay or be deleted by hand.`;
  const parts: string[] = [];
  if (c.removed > 0) parts.push(`Removed its ${c.removed} slot lease object(s) from ${where}.`);
  for (const k of c.kept) parts.push(`Kept the lease ${k.host}${k.pid !== null ? ` (pid ${k.pid})` : ''} holds until ${k.until}: a scheduler is running that slot now; the lease expires by itself.`);
  return parts.join(' ');
}
