import os from 'node:os';
import type { TempDatabaseRecord } from '../../../shared/temp-database.js';
import { processAlive } from '../jobs/process-alive.js';


/** Who is restoring now: written into the registry before the database is created. */
export function restoringOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: os.hostname() };
}

/**
 * How far a recorded database got: ready; still restoring (its process lives); or interrupted
 * (its process is gone — kill -9, a crash, power loss — so it may be half-restored). A record from
 * another machine is trusted to be restoring: Lifeboat cannot see that machine's processes.
 */
export function recordState(r: TempDatabaseRecord): 'ready' | 'restoring' | 'interrupted' {
  if ((r.state ?? 'ready') === 'ready') return 'ready';
  if (r.pid === undefined || r.host !== os.hostname()) return r.pid === undefined ? 'interrupted' : 'restoring';
  return processAlive(r.pid) ? 'restoring' : 'interrupted';
}
