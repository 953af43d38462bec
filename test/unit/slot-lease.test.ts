// Slot leases (electron/engine/scheduler/slot-lease*.ts): the expiry maths with an injected clock,
// the key layout, and the claims themselves on the in-memory storage — one winner per slot, a
// holder that renews, a dead holder's slot taken over, a lost response, a storage that ignores
// create-only writes — and two schedulers sharing a storage through their slots.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { NewActivity } from '../../electron/engine/activity/activity-log.js';
import { LifeboatError } from '../../electron/engine/errors.js';
import { Scheduler, type ScheduleActions, type SchedulerEvent } from '../../electron/engine/scheduler/scheduler.js';
import { memoryStateStore } from '../../electron/engine/scheduler/scheduler-state.js';
import { acquireSlotLease, type SlotClaim } from '../../electron/engine/scheduler/slot-lease.js';
import {
  DEFAULT_LEASE_MS,
  leaseFolder,
  leaseKey,
  leaseMsFromEnv,
  leaseStanding,
  parseLease,
  renewIntervalMs,
  slotStampOfKey,
  unreadableStanding,
} from '../../electron/engine/scheduler/slot-lease-record.js';
import { forgetConditionalWriteSupport } from '../../electron/engine/storage/create-only.js';
import { FileStorage } from '../../electron/engine/storage/file-storage.js';
import { MemoryStorage } from '../../electron/engine/storage/memory-storage.js';
import type { SmallWriteOptions } from '../../electron/engine/storage/storage.js';
import { backupKeyProblem, parseBackupKey } from '../../shared/backup-key.js';
import { scheduleSchema, type Schedule } from '../../shared/schedule.js';
import { FakeClock, settle } from '../support/fake-clock.js';

const SLOT = '2026-11-30T03:00:00.000Z';
const MIN = 60_000;

beforeEach(() => forgetConditionalWriteSupport());

function request(storage: MemoryStorage, clock: FakeClock, host: string, over: Partial<Parameters<typeof acquireSlotLease>[0]> = {}): Parameters<typeof acquireSlotLease>[0] {
  return { storage, prefix: 'database_backups', schedule: 'nightly', database: 'shop', slot: SLOT, clock, leaseMs: 10 * MIN, settleMs: 2000, host, pid: host.length, ...over };
}

function won(c: SlotClaim): Extract<SlotClaim, { won: true }>['held'] {
  if (!c.won) throw new Error(`expected to win, lost to ${c.holder.host}`);
  return c.held;
}

async function leaseAt(storage: MemoryStorage, key: string) {
  return parseLease((await storage.getSmall(key)) ?? '');
}

describe('lease expiry maths (pure, injected times)', () => {
  const lease = { expiresAt: '2026-11-30T03:10:00.000Z', endedAt: null, outcome: null };

  it('a lease holds until its expiry, to the millisecond, then has expired', () => {
    expect(leaseStanding(lease, new Date('2026-11-30T03:09:59.999Z'))).toBe('live');
    expect(leaseStanding(lease, new Date('2026-11-30T03:10:00.000Z'))).toBe('expired');
  });

  it('an ended lease never expires: a success is done, a failure or a cancel releases the slot', () => {
    const later = new Date('2027-01-01T00:00:00Z');
    expect(leaseStanding({ ...lease, endedAt: '2026-11-30T03:05:00.000Z', outcome: 'success' }, later)).toBe('done');
    expect(leaseStanding({ ...lease, endedAt: '2026-11-30T03:05:00.000Z', outcome: 'failure' }, later)).toBe('released');
    expect(leaseStanding({ ...lease, endedAt: '2026-11-30T03:05:00.000Z', outcome: 'cancelled' }, later)).toBe('released');
  });

  it('renews every third of the lease time; an unreadable lease holds one lease time from its last write', () => {
    expect(renewIntervalMs(DEFAULT_LEASE_MS)).toBe(200_000);
    const written = new Date('2026-11-30T03:00:00Z');
    expect(unreadableStanding(written, new Date(written.getTime() + 10 * MIN - 1), 10 * MIN)).toBe('live');
    expect(unreadableStanding(written, new Date(written.getTime() + 10 * MIN), 10 * MIN)).toBe('expired');
  });

  it('reads the lease time from LIFEBOAT_SLOT_LEASE_SECONDS, and refuses nonsense in one sentence', () => {
    expect(leaseMsFromEnv({})).toBe(600_000);
    expect(leaseMsFromEnv({ LIFEBOAT_SLOT_LEASE_SECONDS: '4' })).toBe(4000);
    expect(() => leaseMsFromEnv({ LIFEBOAT_SLOT_LEASE_SECONDS: 'soon' })).toThrow(/^LIFEBOAT_SLOT_LEASE_SECONDS is "soon"; set it to a number of seconds from 1 to 86400/);
  });
});

describe('lease keys', () => {
  it('live under <prefix>/.lifeboat/leases/, are never taken for backups, and stay inside the prefix', () => {
    const folder = leaseFolder('team/db', 'shop', 'nightly');
    const key = leaseKey(folder, SLOT, 1);
    expect(key).toMatch(/^team\/db\/\.lifeboat\/leases\/shop-[0-9a-f]{8}\/nightly-[0-9a-f]{8}\/20261130T030000\.000Z\.json$/);
    expect(leaseKey(folder, SLOT, 3)).toBe(key.replace(/\.json$/, '.g3.json'));
    expect(parseBackupKey(key)).toBeNull();
    expect(backupKeyProblem(key, 'team/db')).toBeNull();
    expect(slotStampOfKey(leaseKey(folder, SLOT, 2))).toBe('20261130T030000.000Z');
  });

  it('keeps names that differ apart, even when their key-safe forms are the same', () => {
    expect(leaseFolder('p', 'shop', 'a b')).not.toBe(leaseFolder('p', 'shop', 'a-b'));
    expect(leaseFolder('p', 'shop', 'nightly')).not.toBe(leaseFolder('p', 'billing', 'nightly'));
    expect(leaseFolder('p', 'shop', '..')).toMatch(/^p\/\.lifeboat\/leases\/shop-[0-9a-f]{8}\/database-[0-9a-f]{8}$/);
  });
});

describe('acquireSlotLease on a storage with create-only writes', () => {
  it('gives one slot to exactly one of five racing schedulers; the others learn who holds it', async () => {
    const clock = new FakeClock('2026-11-30T03:00:00.100Z');
    const storage = new MemoryStorage('race', () => clock.now());
    const claims = await Promise.all(['a', 'bb', 'ccc', 'dddd', 'eeeee'].map((h) => acquireSlotLease(request(storage, clock, h))));
    const winners = claims.filter((c) => c.won);
    expect(winners).toHaveLength(1);
    const held = won(winners[0]!);
    expect(held.enforced).toBe(true);
    const lease = await leaseAt(storage, held.key);
    for (const c of claims.filter((x) => !x.won)) {
      expect(c).toMatchObject({ won: false, holder: { host: lease?.host, pid: lease?.pid, standing: 'live', until: '2026-11-30T03:10:00.100Z' } });
    }
    await held.finish('success');
  });

  it('a holder that runs longer than the lease time keeps its slot by renewing; when done, the slot stays done', async () => {
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const storage = new MemoryStorage('renew', () => clock.now());
    const held = won(await acquireSlotLease(request(storage, clock, 'holder')));
    await clock.advance(45 * MIN); // four and a half lease times, renewed every 200 s
    const late = await acquireSlotLease(request(storage, clock, 'late'));
    expect(late).toMatchObject({ won: false, holder: { host: 'holder', standing: 'live' } });
    expect(new Date((late as { holder: { until: string } }).holder.until).getTime()).toBeGreaterThan(clock.now().getTime());
    await held.finish('success');
    await clock.advance(24 * 60 * MIN);
    expect(await acquireSlotLease(request(storage, clock, 'next-day'))).toMatchObject({ won: false, holder: { host: 'holder', standing: 'done' } });
    expect([...storage.objects.keys()]).toEqual([held.key]);
  });

  it('a dead holder’s lease (no renewals, no outcome) blocks the slot until it expires, then the next generation takes over', async () => {
    const deadClock = new FakeClock('2026-11-30T03:00:00Z'); // never advanced again: the holder was killed
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const storage = new MemoryStorage('dead', () => clock.now());
    const dead = won(await acquireSlotLease(request(storage, deadClock, 'dead-host', { pid: 4242 })));
    await clock.advance(10 * MIN - 1);
    expect(await acquireSlotLease(request(storage, clock, 'b'))).toMatchObject({ won: false, holder: { host: 'dead-host', pid: 4242, standing: 'live' } });
    await clock.advance(1);
    const taker = won(await acquireSlotLease(request(storage, clock, 'taker')));
    expect(taker.key).toBe(dead.key.replace(/\.json$/, '.g2.json'));
    expect(taker.tookOver).toMatchObject({ host: 'dead-host', pid: 4242, standing: 'expired', until: '2026-11-30T03:10:00.000Z' });
    // Two takers at once: still exactly one.
    expect(await acquireSlotLease(request(storage, clock, 'second-taker'))).toMatchObject({ won: false, holder: { host: 'taker', standing: 'live' } });
    await taker.finish('success');
    expect(await acquireSlotLease(request(storage, clock, 'c'))).toMatchObject({ won: false, holder: { host: 'taker', standing: 'done' } });
  });

  it('a failed or cancelled run leaves no lease behind, so a scheduler catching the slot up claims it afresh', async () => {
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const storage = new MemoryStorage('released', () => clock.now());
    await won(await acquireSlotLease(request(storage, clock, 'failing'))).finish('failure');
    expect([...storage.objects.keys()]).toEqual([]);
    const retry = won(await acquireSlotLease(request(storage, clock, 'catch-up')));
    expect(retry.tookOver).toBeNull();
    await retry.finish('cancelled');
    expect([...storage.objects.keys()]).toEqual([]);
    // A lease that says its run failed (written by another version, say) is free to take over too.
    const key = leaseKey(leaseFolder('database_backups', 'shop', 'nightly'), SLOT, 1);
    const third = won(await acquireSlotLease(request(storage, clock, 'third')));
    await storage.putSmall(key, JSON.stringify({ ...(await leaseAt(storage, key)), endedAt: clock.now().toISOString(), outcome: 'failure' }), { contentType: 'application/json', mode: 'replace' });
    expect(won(await acquireSlotLease(request(storage, clock, 'fourth'))).tookOver).toMatchObject({ host: 'third', standing: 'released' });
    await third.finish('success'); // not its lease any more (superseded): left as it is
    expect((await leaseAt(storage, key))?.outcome).toBe('failure');
  });

  it('recognises its own lease when the answer to its create-only write was lost (the retry met it: 412)', async () => {
    class LostAnswer extends MemoryStorage {
      lose = true;
      override putSmall(key: string, data: string, opts: SmallWriteOptions): Promise<void> {
        if (opts.mode === 'create' && this.lose) {
          this.lose = false;
          return super.putSmall(key, data, opts).then(() => Promise.reject(new LifeboatError('KEY_EXISTS', `${key} already exists.`)));
        }
        return super.putSmall(key, data, opts);
      }
    }
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const held = won(await acquireSlotLease(request(new LostAnswer('lost'), clock, 'me')));
    expect(held.key).toMatch(/20261130T030000\.000Z\.json$/);
  });

  it('a holder whose renewals fail for a whole lease time hears it lost the slot, and never writes over the taker’s lease', async () => {
    class FlakyRenewals extends MemoryStorage {
      down = false;
      override putSmall(key: string, data: string, opts: SmallWriteOptions): Promise<void> {
        if (this.down && opts.mode === 'replace') return Promise.reject(new LifeboatError('STORAGE_UNREACHABLE', 'The storage cannot be reached.'));
        return super.putSmall(key, data, opts);
      }
    }
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const storage = new FlakyRenewals('flaky', () => clock.now());
    const lost: (string | null)[] = [];
    const holder = won(await acquireSlotLease(request(storage, clock, 'holder', { onLost: (by) => lost.push(by?.host ?? null) })));
    storage.down = true;
    await clock.advance(10 * MIN);
    const taker = won(await acquireSlotLease(request(storage, clock, 'taker')));
    expect(taker.tookOver).toMatchObject({ host: 'holder', standing: 'expired' });
    storage.down = false;
    await clock.advance(renewIntervalMs(10 * MIN));
    expect(lost).toEqual(['taker']);
    await holder.finish('success');
    expect((await leaseAt(storage, holder.key))?.outcome).toBeNull(); // not ours any more: left as it was
    await taker.finish('success');
    expect((await leaseAt(storage, taker.key))?.outcome).toBe('success');
  });

  it('a claim cancelled after its lease was written removes that lease: no slot is blocked by a run that never started', async () => {
    class SlowProbe extends MemoryStorage {
      creates = 0;
      readonly stop = new AbortController();
      override putSmall(key: string, data: string, opts: SmallWriteOptions): Promise<void> {
        // The second create-only write is the probe for conditional writes: cancelled right then.
        if (opts.mode === 'create' && ++this.creates === 2) {
          this.stop.abort();
          return Promise.reject(new LifeboatError('CANCELLED', 'Writing the lease was cancelled.'));
        }
        return super.putSmall(key, data, opts);
      }
    }
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const storage = new SlowProbe('cancel', () => clock.now());
    await expect(acquireSlotLease(request(storage, clock, 'me', { signal: storage.stop.signal }))).rejects.toMatchObject({ code: 'CANCELLED' });
    expect([...storage.objects.keys()]).toEqual([]);
  });

  it('recognises its own lease whatever the database is called (control characters, very long names)', async () => {
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const storage = new MemoryStorage('names', () => clock.now());
    const held = won(await acquireSlotLease(request(storage, clock, 'me', { database: `odd\u0007name${'x'.repeat(400)}` })));
    expect((await leaseAt(storage, held.key))?.database).toMatch(/^odd\?namex+$/);
    expect(await acquireSlotLease(request(storage, clock, 'other', { database: `odd\u0007name${'x'.repeat(400)}` }))).toMatchObject({ won: false, holder: { host: 'me' } });
  });

  it('treats an unreadable lease as held by someone unknown for one lease time, never forever', async () => {
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const storage = new MemoryStorage('junk', () => clock.now());
    const key = leaseKey(leaseFolder('database_backups', 'shop', 'nightly'), SLOT, 1);
    await storage.putSmall(key, '{"lease":"lifeboat-slot","host":"\u001b[31mevil"}', { contentType: 'application/json', mode: 'create' });
    expect(await acquireSlotLease(request(storage, clock, 'b'))).toMatchObject({ won: false, holder: { host: 'an unknown holder (its lease object is unreadable)', pid: null, standing: 'live' } });
    await clock.advance(10 * MIN);
    expect(won(await acquireSlotLease(request(storage, clock, 'b'))).tookOver).toMatchObject({ standing: 'expired' });
  });

  it('after a run, removes the schedule’s earlier finished or expired leases and keeps a live one and its own', async () => {
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const storage = new MemoryStorage('tidy', () => clock.now());
    const slotAt = (m: number): string => new Date(Date.parse(SLOT) + m * MIN).toISOString();
    const stillRunning = won(await acquireSlotLease(request(storage, clock, 'slow', { slot: slotAt(0) })));
    won(await acquireSlotLease(request(storage, new FakeClock(clock.now()), 'killed', { slot: slotAt(1) }))); // never finished: killed
    await won(await acquireSlotLease(request(storage, clock, 'a', { slot: slotAt(2) }))).finish('success');
    await clock.advance(11 * MIN);
    const now = won(await acquireSlotLease(request(storage, clock, 'a', { slot: slotAt(20) })));
    await now.finish('success');
    const stamps = [...storage.objects.keys()].map((k) => slotStampOfKey(k)).sort();
    expect(stamps).toEqual(['20261130T030000.000Z', '20261130T032000.000Z']);
    await stillRunning.finish('success');
  });
});

describe('acquireSlotLease on a local folder', () => {
  it('two racing claims, one winner; the lease file lives under <prefix>/.lifeboat/leases/ and ends done', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-leases-'));
    try {
      const storage = new FileStorage({ kind: 'file', root, prefix: 'database_backups' });
      const clock = new FakeClock('2026-11-30T03:00:00Z');
      const claims = await Promise.all(['a', 'b'].map((h) => acquireSlotLease({ ...request(new MemoryStorage(), clock, h), storage })));
      expect(claims.filter((c) => c.won)).toHaveLength(1);
      const held = won(claims.find((c) => c.won)!);
      expect(held.enforced).toBe(true);
      await held.finish('success');
      const text = await readFile(path.join(root, ...held.key.split('/')), 'utf8');
      expect(held.key.startsWith('database_backups/.lifeboat/leases/')).toBe(true);
      expect(parseLease(text)?.outcome).toBe('success');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('acquireSlotLease on a storage that ignores create-only writes', () => {
  class Overwriting extends MemoryStorage {
    override putSmall(key: string, data: string, opts: SmallWriteOptions): Promise<void> {
      return super.putSmall(key, data, { ...opts, mode: 'replace' });
    }
  }

  it('notices it, reads its write back after the settle delay, and lets only the last writer of a race win', async () => {
    const clock = new FakeClock('2026-11-30T03:00:00Z');
    const storage = new Overwriting('lax', () => clock.now());
    const both = Promise.all([acquireSlotLease(request(storage, clock, 'a')), acquireSlotLease(request(storage, clock, 'b'))]);
    await settle();
    await clock.advance(2000);
    const claims = await both;
    expect(claims.filter((c) => c.won)).toHaveLength(1);
    const held = won(claims.find((c) => c.won)!);
    expect(held.enforced).toBe(false);
    expect(claims.find((c) => !c.won)).toMatchObject({ holder: { host: (await leaseAt(storage, held.key))?.host, standing: 'live' } });
    await held.finish('success');
    // Read first: a later scheduler sees the lease and never writes over it.
    expect(await acquireSlotLease(request(storage, clock, 'c'))).toMatchObject({ won: false, holder: { standing: 'done' } });
  });
});

describe('two schedulers sharing one storage', () => {
  function schedule(): Schedule {
    return scheduleSchema.parse({ name: 'nightly', db: 'postgresql://app@db/shop', to: 's3://bk', when: { daily: '03:00' }, timezone: 'UTC', createdAt: '2026-11-30T02:00:00Z', retries: 0, verifyEveryDays: null, retention: null });
  }

  function scheduler(storage: MemoryStorage, clock: FakeClock, host: string) {
    const backups: string[] = [];
    const log: NewActivity[] = [];
    const events: SchedulerEvent[] = [];
    const store = memoryStateStore({});
    const actions: ScheduleActions = {
      backup: (_s, _signal, _attempt, slot) => {
        backups.push(slot);
        return Promise.resolve({ key: `${host}-${slot}`, sizeBytes: 1, dbName: 'shop' });
      },
      prune: () => Promise.resolve({ deleted: 0 }),
      verify: () => Promise.resolve(null),
      claimSlot: (s, slot, signal, onLost) => acquireSlotLease({ storage, prefix: 'database_backups', schedule: s.name, database: 'shop', slot, clock, leaseMs: 10 * MIN, signal, onLost, host, pid: 1 }),
    };
    const sched = new Scheduler({ clock, store, actions, log: { append: (e) => Promise.resolve(void log.push(e)) }, onEvent: (e) => void events.push(e), maxTimerMs: 6 * 3_600_000 });
    return { sched, backups, log, events, store };
  }

  it('a storage that cannot be reached to claim the slot fails that attempt and is retried; a lost claim starts nothing', async () => {
    const clock = new FakeClock('2026-11-30T02:59:00Z');
    const events: SchedulerEvent[] = [];
    const backups: number[] = [];
    let claims = 0;
    const actions: ScheduleActions = {
      backup: (_s, _signal, attempt) => Promise.resolve(void backups.push(attempt)).then(() => ({ key: 'k', sizeBytes: 1, dbName: 'shop' })),
      prune: () => Promise.resolve({ deleted: 0 }),
      verify: () => Promise.resolve(null),
      claimSlot: (s, slot) => {
        claims++;
        if (claims === 1) return Promise.reject(new LifeboatError('STORAGE_UNREACHABLE', 'The storage cannot be reached.'));
        if (slot.startsWith('2026-12-01')) return Promise.resolve({ won: false, holder: { host: 'other', pid: 7, standing: 'live', until: '2026-12-01T03:10:00.000Z' } });
        return acquireSlotLease({ storage: new MemoryStorage('m', () => clock.now()), prefix: 'p', schedule: s.name, database: 'shop', slot, clock, leaseMs: 10 * MIN });
      },
    };
    const s = scheduleSchema.parse({ ...schedule(), retries: 1, retryDelaySeconds: 30 });
    const sched = new Scheduler({ clock, store: memoryStateStore({}), actions, log: { append: () => Promise.resolve() }, onEvent: (e) => void events.push(e), maxTimerMs: 6 * 3_600_000 });
    await sched.start([s]);
    await clock.advanceTo('2026-12-01T04:00:00Z');
    await sched.idle();
    expect(backups).toEqual([2]);
    expect(events.map((e) => e.type)).toEqual(['run-started', 'run-finished', 'slot-taken']);
    expect(events[1]).toMatchObject({ outcome: 'success', attempts: 2 });
    await sched.stop();
  });

  it('runs each slot once; the other logs who took it, does not count it as a failure, and runs the next slot when it wins it', async () => {
    const clock = new FakeClock('2026-11-30T02:59:00Z');
    const storage = new MemoryStorage('shared', () => clock.now());
    const a = scheduler(storage, clock, 'host-a');
    const b = scheduler(storage, clock, 'host-b');
    await Promise.all([a.sched.start([schedule()]), b.sched.start([schedule()])]);
    await clock.advanceTo('2026-12-03T04:00:00Z');
    await Promise.all([a.sched.idle(), b.sched.idle()]);
    const slots = ['2026-11-30T03:00:00.000Z', '2026-12-01T03:00:00.000Z', '2026-12-02T03:00:00.000Z', '2026-12-03T03:00:00.000Z'];
    expect([...a.backups, ...b.backups].sort()).toEqual(slots);
    for (const [me, other] of [[a, 'host-b'], [b, 'host-a']] as const) {
      const taken = me.log.filter((e) => e.outcome === 'skipped');
      const theirs = slots.filter((s) => !me.backups.includes(s));
      expect(taken.map((e) => e.details.slot)).toEqual(theirs);
      for (const e of taken) expect(e.summary).toMatch(new RegExp(`^Skipped the run of \\S+: (slot taken by ${other} \\(pid 1\\)|it was already backed up by ${other} \\(pid 1\\))`));
      expect(me.events.filter((e) => e.type === 'slot-taken').length).toBe(theirs.length);
      expect(me.events.filter((e) => e.type === 'run-finished' && e.outcome !== 'success')).toEqual([]);
      const st = (await me.store.load()).nightly;
      expect(st?.lastSlot).toBe(slots.at(-1));
      expect(st?.lastOutcome === null || st?.lastOutcome === 'success').toBe(true);
    }
    // One lease object left: the newest slot's, done.
    expect([...storage.objects.keys()].filter((k) => k.includes('/.lifeboat/leases/'))).toHaveLength(1);
    await Promise.all([a.sched.stop(), b.sched.stop()]);
  });
});
