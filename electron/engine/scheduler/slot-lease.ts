import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { LifeboatError, cancelledError, throwIfAborted } from '../errors.js';
import { honoursCreateOnly, tryCreate } from '../storage/create-only.js';
import type { BackupStorage } from '../storage/storage.js';
import { sleep, type Clock } from './clock.js';
import {
  MAX_GENERATIONS,
  canTakeOver,
  endedLease,
  leaseFolder,
  leaseKey,
  leaseStanding,
  parseLease,
  renewIntervalMs,
  renewedLease,
  serializeLease,
  slotStamp,
  slotStampOfKey,
  unreadableStanding,
  type LeaseStanding,
  type SlotLease,
} from './slot-lease-record.js';

/**
 * Why leases: two schedulers (two machines, or the app and a server) that share a storage and run
 * the same schedule both reach each slot. Before running a slot each writes a small lease object
 * create-only (PutObject with If-None-Match: *; link(2) in a folder): exactly one wins, the other
 * says who holds the slot and does not run it. The holder renews its lease while the run goes on,
 * records a success at the end, and removes its lease after a failure or a cancel. A lease that
 * expired (its holder died) can be taken over, by writing the next generation's key create-only,
 * so a crashed holder's slot is never lost and two takers still cannot both win. A taker never
 * deletes another's lease: a delete-then-create would let two takers both succeed.
 */

export interface LeaseHolder {
  host: string;
  pid: number | null;
  standing: LeaseStanding;
  /** Until when a live lease holds, or when a finished run ended. */
  until: string;
}

export interface HeldSlot {
  key: string;
  /** The storage, for messages. */
  storage: string;
  /**
   * False when the storage ignored create-only writes: the lease was then written, left to settle
   * and read back, which narrows the race between two schedulers but does not close it.
   */
  enforced: boolean;
  /** The lease this one took over (its holder died, or its run failed or was cancelled). */
  tookOver: LeaseHolder | null;
  /**
   * Stops renewing; records a success in the lease, or removes the lease after a failure or a cancel;
   * then removes this schedule's older, finished leases. Never throws.
   */
  finish(outcome: NonNullable<SlotLease['outcome']>): Promise<void>;
}

export type SlotClaim = { won: true; held: HeldSlot } | { won: false; holder: LeaseHolder };

export interface SlotLeaseRequest {
  storage: BackupStorage;
  /** The storage target's prefix: leases live under it, beside the backups they are about. */
  prefix: string;
  schedule: string;
  database: string;
  /** The slot, as an ISO time. */
  slot: string;
  clock: Clock;
  leaseMs: number;
  /** Without create-only writes: how long to let a competing write land before reading ours back. */
  settleMs?: number;
  signal?: AbortSignal | undefined;
  /** Said once if the lease is lost while its run goes on (renewals failed for a whole lease time). */
  onLost?: (by: LeaseHolder | null) => void;
  host?: string;
  pid?: number;
}

const DEFAULT_SETTLE_MS = 2000;

export interface Found {
  lease: SlotLease | null;
  holder: LeaseHolder;
}

/** The lease under `key` and where it stands now; null when there is none. */
export async function readLease(storage: BackupStorage, key: string, now: Date, leaseMs: number): Promise<Found | null> {
  const text = await storage.getSmall(key);
  if (text === null) return null;
  const lease = parseLease(text);
  if (lease) return { lease, holder: { host: lease.host, pid: lease.pid, standing: leaseStanding(lease, now), until: lease.endedAt ?? lease.expiresAt } };
  const head = await storage.head(key);
  if (!head) return null;
  const until = new Date(head.lastModified.getTime() + leaseMs).toISOString();
  return { lease: null, holder: { host: 'an unknown holder (its lease object is unreadable)', pid: null, standing: unreadableStanding(head.lastModified, now, leaseMs), until } };
}

/** Claims one slot of one schedule on a storage shared with other schedulers. */
export async function acquireSlotLease(req: SlotLeaseRequest): Promise<SlotClaim> {
  const { storage, clock, leaseMs, signal } = req;
  const folder = leaseFolder(req.prefix, req.database, req.schedule);
  const runId = randomBytes(16).toString('hex');
  let tookOver: LeaseHolder | null = null;
  let vanished = 0;
  for (let generation = 1; generation <= MAX_GENERATIONS; generation++) {
    throwIfAborted(signal, 'Claiming the slot');
    const key = leaseKey(folder, req.slot, generation);
    let found = await readLease(storage, key, clock.now(), leaseMs);
    if (!found) {
      const now = clock.now();
      const mine: SlotLease = {
        lease: 'lifeboat-slot',
        version: 1,
        // Informational only (the key says which slot it is), and kept readable by slotLeaseSchema.
        schedule: printableText(req.schedule),
        database: printableText(req.database),
        slot: new Date(req.slot).toISOString(),
        generation,
        host: printableText(req.host ?? os.hostname()),
        pid: req.pid ?? process.pid,
        runId,
        acquiredAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + leaseMs).toISOString(),
        endedAt: null,
        outcome: null,
      };
      try {
        const body = serializeLease(mine);
        if (await tryCreate(storage, key, body, signal)) {
          const enforced = await honoursCreateOnly(storage, key, body, signal);
          if (enforced) return { won: true, held: holdLease(req, key, mine, true, tookOver) };
          // Best effort: whoever's lease is there once competing writes have landed holds the slot.
          await sleep(clock, req.settleMs ?? DEFAULT_SETTLE_MS, signal).catch(() => {
            throw cancelledError('Claiming the slot');
          });
          found = await readLease(storage, key, clock.now(), leaseMs);
          if (found?.lease?.runId === runId) return { won: true, held: holdLease(req, key, mine, false, tookOver) };
        } else {
          found = await readLease(storage, key, clock.now(), leaseMs);
          // Our own write whose answer was lost: the SDK's retry met our object and got 412.
          if (found?.lease?.runId === runId) return { won: true, held: holdLease(req, key, mine, true, tookOver) };
        }
      } catch (e) {
        // Cancelled or failed half-way (the write may have landed): a lease nobody will run must not stay.
        await removeIfOurs(storage, key, runId);
        throw e;
      }
      if (!found) {
        // Gone between two requests (a concurrent clean-up): look at this generation again.
        if (++vanished > 3) throw new LifeboatError('STORAGE_ERROR', `The lease ${key} in ${storage.display} keeps disappearing while it is claimed; check that nothing else deletes objects under ${req.prefix}/.lifeboat/, then try again.`);
        generation--;
        continue;
      }
    }
    if (!canTakeOver(found.holder.standing)) return { won: false, holder: found.holder };
    tookOver = found.holder;
  }
  throw new LifeboatError(
    'STORAGE_ERROR',
    `The slot ${req.slot} of "${req.schedule}" was taken over ${MAX_GENERATIONS} times in ${storage.display} (each holder died or failed); it is not run again. Look at the schedulers sharing this storage.`,
  );
}

function printableText(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what slotLeaseSchema refuses
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/gu, '?').slice(0, 255) || '?';
}

async function removeIfOurs(storage: BackupStorage, key: string, runId: string): Promise<void> {
  try {
    const text = await storage.getSmall(key);
    if (text !== null && parseLease(text)?.runId === runId) await storage.delete([key]);
  } catch {
    // Unremoved, it expires after one lease time.
  }
}

function holdLease(req: SlotLeaseRequest, key: string, acquired: SlotLease, enforced: boolean, tookOver: LeaseHolder | null): HeldSlot {
  const { storage, clock, leaseMs } = req;
  const folder = leaseFolder(req.prefix, req.database, req.schedule);
  let current = acquired;
  let timer: unknown = null;
  let ended = false;
  let lost = false;
  let renewing: Promise<void> = Promise.resolve();

  /** Ours, or who holds it now: someone who overwrote it (storages without create-only writes) or took it over. */
  const stillOurs = async (): Promise<{ ours: true } | { ours: false; by: LeaseHolder | null }> => {
    const now = clock.now();
    const found = await readLease(storage, key, now, leaseMs);
    if (found?.lease?.runId !== acquired.runId) return { ours: false, by: found?.holder ?? null };
    const next = await readLease(storage, leaseKey(folder, acquired.slot, acquired.generation + 1), now, leaseMs);
    return next ? { ours: false, by: next.holder } : { ours: true };
  };

  const renew = async (): Promise<void> => {
    try {
      const check = await stillOurs();
      if (!check.ours) {
        lost = true;
        req.onLost?.(check.by);
        return;
      }
      current = renewedLease(current, clock.now(), leaseMs);
      await storage.putSmall(key, serializeLease(current), { contentType: 'application/json', mode: 'replace' });
    } catch {
      // The storage may answer at the next renewal; the lease lapses only after a whole lease time.
    }
  };

  const arm = (): void => {
    timer = clock.setTimer(renewIntervalMs(leaseMs), () => {
      renewing = renew().then(() => {
        if (!ended && !lost) arm();
      });
    });
  };
  arm();

  return {
    key,
    storage: storage.display,
    enforced,
    tookOver,
    async finish(outcome) {
      ended = true;
      if (timer !== null) clock.clearTimer(timer);
      // A renewal in flight must not write over the outcome.
      await renewing;
      try {
        if (!lost && (await stillOurs()).ours) {
          // A success stays recorded, so a scheduler catching the slot up later does not run it again.
          // A failed or cancelled run leaves nothing behind: the slot is free for a catch-up, which
          // claims it afresh (create-only, so still one winner); only a holder removes its own lease.
          if (outcome === 'success') await storage.putSmall(key, serializeLease(endedLease(current, clock.now(), outcome)), { contentType: 'application/json', mode: 'replace' });
          else await storage.delete([key]);
        }
        await removeOlderLeases(req, folder);
      } catch {
        // Unrecorded, the lease expires instead: at worst a scheduler catching this slot up runs it again.
      }
    },
  };
}

/**
 * Keeps the lease folder to about one object: after a run, the leases of this schedule's earlier
 * slots go, unless one is still live (another scheduler's run of an earlier slot still going).
 * The newest stays, so a scheduler catching this slot up later still sees it was run.
 */
async function removeOlderLeases(req: SlotLeaseRequest, folder: string): Promise<void> {
  const mine = slotStamp(req.slot);
  const now = req.clock.now();
  const doomed: string[] = [];
  for await (const o of req.storage.list(`${folder}/`)) {
    const stamp = slotStampOfKey(o.key);
    if (stamp === null || stamp >= mine) continue;
    const found = await readLease(req.storage, o.key, now, req.leaseMs);
    if (found && found.holder.standing !== 'live') doomed.push(o.key);
  }
  if (doomed.length > 0) await req.storage.delete(doomed);
}
