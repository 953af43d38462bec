// What a slot lease is, where it lives and what it means at a given time: pure, so the expiry
// maths is tested with an injected clock. The storage side is slot-lease.ts.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { keySafeDatabaseName, normalizePrefix } from '../../../shared/backup-key.js';
import { LifeboatError } from '../errors.js';

/** Hidden from listings: no key under it parses as a backup (shared/backup-key.ts parseBackupKey). */
export const LEASE_FOLDER = '.lifeboat/leases';

/**
 * How long a lease holds without renewal. The holder renews it every third of that while its run
 * goes on, so only a holder that died (or lost the storage for this long) lets it lapse. Ten
 * minutes: a crashed holder's slot can be caught up by another scheduler ten minutes later, and
 * a storage outage shorter than that never lets a second scheduler in.
 */
export const DEFAULT_LEASE_MS = 10 * 60_000;

/** Takeovers of one slot in a row (each after an expired or released lease) before giving up. */
export const MAX_GENERATIONS = 20;

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date-time');
// Shown in the activity log ("slot taken by HOST"): storage content is untrusted, so no control characters.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const printable = z.string().min(1).max(255).regex(/^[^\u0000-\u001f\u007f-\u009f]+$/u);

export const slotLeaseSchema = z.object({
  lease: z.literal('lifeboat-slot'),
  version: z.literal(1),
  schedule: printable,
  database: printable,
  slot: isoTime,
  generation: z.number().int().min(1).max(MAX_GENERATIONS),
  host: printable,
  pid: z.number().int().min(0),
  /** Random per run: how a holder recognises its own lease (also after a lost response). */
  runId: z.string().regex(/^[0-9a-f]{32}$/),
  acquiredAt: isoTime,
  expiresAt: isoTime,
  /** Set when the run ended; a lease with an outcome no longer expires. */
  endedAt: isoTime.nullable(),
  outcome: z.enum(['success', 'failure', 'cancelled']).nullable(),
});

export type SlotLease = z.infer<typeof slotLeaseSchema>;

/**
 * live: its holder runs the slot (or did within the lease time); done: the slot was backed up;
 * released: its run failed or was cancelled, so the slot may be run by a scheduler that catches it
 * up; expired: its holder died mid-run (or lost the storage for a whole lease time).
 */
export type LeaseStanding = 'live' | 'done' | 'released' | 'expired';

export function leaseStanding(l: Pick<SlotLease, 'expiresAt' | 'endedAt' | 'outcome'>, now: Date): LeaseStanding {
  if (l.endedAt !== null) return l.outcome === 'success' ? 'done' : 'released';
  return now.getTime() < Date.parse(l.expiresAt) ? 'live' : 'expired';
}

/** May another scheduler run the slot (under the next generation)? */
export function canTakeOver(standing: LeaseStanding): boolean {
  return standing === 'expired' || standing === 'released';
}

/** When a holder renews: a third of the lease time, so two renewals may fail before it lapses. */
export function renewIntervalMs(leaseMs: number): number {
  return Math.max(1, Math.floor(leaseMs / 3));
}

export function renewedLease(l: SlotLease, now: Date, leaseMs: number): SlotLease {
  return { ...l, expiresAt: new Date(now.getTime() + leaseMs).toISOString() };
}

export function endedLease(l: SlotLease, now: Date, outcome: NonNullable<SlotLease['outcome']>): SlotLease {
  return { ...l, endedAt: now.toISOString(), outcome };
}

/**
 * An unreadable lease (damaged, or written by something else) counts as held by someone unknown
 * until a lease time after it was last written, then as expired: it never blocks a slot forever.
 */
export function unreadableStanding(lastModified: Date, now: Date, leaseMs: number): LeaseStanding {
  return now.getTime() < lastModified.getTime() + leaseMs ? 'live' : 'expired';
}

export function parseLease(text: string): SlotLease | null {
  try {
    const r = slotLeaseSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export function serializeLease(l: SlotLease): string {
  return `${JSON.stringify(l)}\n`;
}

/** A name as a key segment: readable, and distinct names stay distinct ("a b" and "a-b" do not share a folder). */
function segment(name: string): string {
  return `${keySafeDatabaseName(name)}-${createHash('sha256').update(name.normalize('NFC')).digest('hex').slice(0, 8)}`;
}

/**
 * The folder of one schedule's leases for one database: schedulers coordinate a slot when they
 * share the storage (bucket and prefix), the schedule's name and the database's name. Different
 * databases or differently named schedules never block each other (at worst both run).
 */
export function leaseFolder(prefix: string, database: string, schedule: string): string {
  return `${normalizePrefix(prefix)}/${LEASE_FOLDER}/${segment(database)}/${segment(schedule)}`;
}

/** A slot as it appears in lease keys; stamps sort like the times they name. */
export function slotStamp(slot: string): string {
  return new Date(slot).toISOString().replace(/[-:]/g, '');
}

/** `<folder>/20261130T030000.000Z.json`, and `.g2.json`… for the takeovers of that slot. */
export function leaseKey(folder: string, slot: string, generation: number): string {
  return `${folder}/${slotStamp(slot)}${generation > 1 ? `.g${generation}` : ''}.json`;
}

const LEASE_FILE = /\/(\d{8}T\d{6}\.\d{3}Z)(?:\.g(\d+))?\.json$/;

/** The slot a lease key names (as its stamp, which sorts like the time), or null for any other key. */
export function slotStampOfKey(key: string): string | null {
  return LEASE_FILE.exec(key)?.[1] ?? null;
}

/** LIFEBOAT_SLOT_LEASE_SECONDS overrides the lease time (tests use a few seconds). */
export function leaseMsFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.LIFEBOAT_SLOT_LEASE_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_LEASE_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 86_400) {
    throw new LifeboatError('BAD_INPUT', `LIFEBOAT_SLOT_LEASE_SECONDS is "${raw}"; set it to a number of seconds from 1 to 86400 (default ${DEFAULT_LEASE_MS / 1000}), or unset it.`);
  }
  return Math.round(seconds * 1000);
}
