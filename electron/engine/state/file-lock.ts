import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LifeboatError } from '../errors.js';
import { processAlive } from '../jobs/process-alive.js';

/**
 * A lock file shared by every Lifeboat process on this machine (the app, the CLI, a scheduler
 * service), for read-modify-write of a small state file.
 *
 * Hand-written rather than proper-lockfile on purpose: proper-lockfile (and `lockfile`) call a lock
 * stale when its mtime is older than Date.now() minus a threshold, which breaks whenever the
 * process clock and file times disagree (clock changes, `faketime` in tests: every lock looks stale
 * at once, so two writers hold it together). Here a lock is stale only when the process that holds
 * it is gone: the lock file names its pid and host, and a pid that no longer exists on this host
 * cannot be holding it. No clock is involved.
 */

interface Holder {
  pid: number;
  host: string;
  token: string;
}

export interface FileLockOptions {
  /** How long to wait for another process before giving up with a clear message (default 10 s). */
  waitMs?: number;
  /** What the lock protects, for the message ("the automation settings file /x/automation.json"). */
  what?: string;
  /** Whether a pid is alive on this host; injected by tests. */
  isAlive?: (pid: number) => boolean;
}

const POLL_MS = 15;

// Within one process the file lock alone would make a second caller poll for its own pid's lock;
// a promise chain per lock path orders them without polling.
const inProcess = new Map<string, Promise<unknown>>();

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const previous = inProcess.get(lockPath) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => lockedAcrossProcesses(lockPath, fn, opts));
  const tail = run.catch(() => undefined);
  inProcess.set(lockPath, tail);
  try {
    return await run;
  } finally {
    if (inProcess.get(lockPath) === tail) inProcess.delete(lockPath);
  }
}

async function lockedAcrossProcesses<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions): Promise<T> {
  const me: Holder = { pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex') };
  await acquire(lockPath, me, opts);
  try {
    return await fn();
  } finally {
    // Remove it only while it is still ours: never someone else's lock.
    const now = await readHolder(lockPath);
    if (now?.token === me.token) await rm(lockPath, { force: true });
  }
}

async function acquire(lockPath: string, me: Holder, opts: FileLockOptions): Promise<void> {
  await mkdir(path.dirname(lockPath), { recursive: true, mode: 0o700 });
  const isAlive = opts.isAlive ?? processAlive;
  const started = performance.now();
  const waitMs = opts.waitMs ?? 10_000;
  for (;;) {
    if (await createExclusive(lockPath, me)) return;
    const holder = await readHolder(lockPath);
    if (holder && holder.host === me.host && !isAlive(holder.pid)) {
      await breakStale(lockPath, holder, me, isAlive);
      continue;
    }
    if (performance.now() - started > waitMs) {
      const who = holder ? `process ${holder.pid} on ${holder.host}` : 'another process';
      throw new LifeboatError(
        'STATE_LOCKED',
        `${opts.what ?? lockPath} stayed locked by ${who} for ${Math.round(waitMs / 1000)} s; wait for that Lifeboat to finish, or if none is running there, delete ${lockPath}.`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS + Math.random() * POLL_MS));
  }
}

/**
 * Creates the lock with its content in one step: the content goes to a private temp file first and
 * link() publishes it (link fails if the name exists), so nobody ever reads a half-written lock.
 */
async function createExclusive(lockPath: string, me: Holder): Promise<boolean> {
  const tmp = `${lockPath}.${me.token}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, JSON.stringify(me), { mode: 0o600 });
  try {
    await link(tmp, lockPath);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Removes a dead holder's lock. Breakers first take a guard (itself a lock), then check again that
 * the lock still names the dead holder, so a fresh lock taken meanwhile is never removed. A guard
 * left by a breaker that died is removed the same way (only a second crash inside those few
 * milliseconds could let two breakers race).
 */
async function breakStale(lockPath: string, dead: Holder, me: Holder, isAlive: (pid: number) => boolean): Promise<void> {
  const guard = `${lockPath}.break`;
  if (!(await createExclusive(guard, me))) {
    const g = await readHolder(guard);
    if (g && g.host === me.host && !isAlive(g.pid)) await rm(guard, { force: true });
    return;
  }
  try {
    const still = await readHolder(lockPath);
    if (still?.token === dead.token) await rm(lockPath, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

async function readHolder(file: string): Promise<Holder | null> {
  try {
    const text = await readFile(file, 'utf8');
    // Locks left by older Lifeboats hold just the pid.
    if (/^\d+$/.test(text.trim())) return { pid: Number(text.trim()), host: os.hostname(), token: text.trim() };
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.token === 'string' ? { pid: h.pid, host: h.host, token: h.token } : null;
  } catch {
    return null;
  }
}

