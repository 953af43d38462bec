// Two (and more) `lifeboat scheduler run` processes — real CLI children, each with its own home as
// two machines would have — sharing one bucket on Ceph RGW and one schedule: each slot is backed
// up once; a holder killed with kill -9 mid-run does not get its slot re-run by the others, the
// next slot runs, and a scheduler catching that slot up later takes it over once the lease expired.
// Also the README's Kubernetes CronJob command, run headless: no Secret Service, configuration from
// the environment and a mounted config file.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import { createAppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { leaseFolder, leaseKey, serializeLease, type SlotLease } from '../../electron/engine/scheduler/slot-lease-record.js';
import { readActivityLog as activity } from '../support/activity-log.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCliProcess, type CliProcess } from '../support/cli-process.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { NO_KEYCHAIN_ENV } from '../support/keychain.js';
import { waitFor } from '../support/webhook-receiver.js';

let pgc: PgCluster;
let s3: S3Server;
const BUCKET = 'leases';

beforeAll(async () => {
  [pgc, s3] = await Promise.all([startCluster({ major: 15 }), startS3Server()]);
  await pgc.createDatabase('shop');
  await pgc.query('CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 300) g', [], 'shop');
  await s3.createBucket(BUCKET);
});

afterAll(async () => {
  await Promise.all([pgc?.stop(), s3?.stop()]);
});

type Home = Awaited<ReturnType<typeof tempHome>>;

/** A "machine": its own home with the same schedule as the others. */
async function machine(name: string, prefix: string, when: string[], extraEnv: Record<string, string> = {}): Promise<{ home: Home; env: NodeJS.ProcessEnv }> {
  const home = await tempHome();
  const env = { ...home, ...s3.env, ...extraEnv };
  const add = await runCli(['scheduler', 'add', name, '--db', pgc.url('shop'), '--to', s3.storageUrl(BUCKET, prefix), ...when, '--retries', '0', '--no-prune', '--verify-every-days', '0'], env);
  expect(add.stderr).toBe('');
  return { home, env };
}

const backupsOf = (log: ActivityEntry[]): ActivityEntry[] => log.filter((e) => e.kind === 'backup' && e.outcome === 'success');
const takenOf = (log: ActivityEntry[]): ActivityEntry[] => log.filter((e) => e.kind === 'scheduler' && e.outcome === 'skipped' && e.details.slotTakenBy !== undefined);

interface StoredLease {
  pid: number;
  host: string;
  slot: string;
  expiresAt: string;
  outcome: string | null;
  generation: number;
}

async function leases(prefix: string): Promise<{ key: string; lease: StoredLease }[]> {
  const keys = (await s3.listKeys(BUCKET)).filter((k) => k.startsWith(`${prefix}/.lifeboat/leases/`));
  const out: { key: string; lease: StoredLease }[] = [];
  for (const key of keys) {
    const r = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    out.push({ key, lease: JSON.parse(await r.Body!.transformToString()) as StoredLease });
  }
  return out;
}

async function dumps(prefix: string): Promise<string[]> {
  return (await s3.listKeys(BUCKET)).filter((k) => k.startsWith(`${prefix}/`) && k.endsWith('.dump'));
}

/** Holds an ACCESS EXCLUSIVE lock on orders: a backup started meanwhile waits, mid-run, until it is released. */
async function lockOrders(): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: pgc.url('shop') });
  await c.connect();
  await c.query('BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
  return {
    async release() {
      await c.query('ROLLBACK');
      await c.end();
    },
  };
}

function killed(p: CliProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

describe('scheduler slot leases: several schedulers sharing one storage (RGW)', () => {
  it('two `scheduler run` processes back each slot up exactly once; the other logs that it was taken', async () => {
    const prefix = 'race';
    const when = ['--cron', '*/3 * * * * *'];
    const [a, b] = await Promise.all([machine('shared', prefix, when), machine('shared', prefix, when)]);
    const pa = startCliProcess(['scheduler', 'run'], a.env);
    const pb = startCliProcess(['scheduler', 'run'], b.env);
    const decided = async (): Promise<Set<string>> => {
      const slots = (log: ActivityEntry[]) => new Set([...backupsOf(log), ...takenOf(log)].map((e) => String(e.details.slot)));
      const [sa, sb] = [slots(await activity(a.home)), slots(await activity(b.home))];
      return new Set([...sa].filter((s) => sb.has(s)));
    };
    try {
      await waitFor('three slots decided by both schedulers', async () => (await decided()).size >= 3, 90_000);
    } finally {
      expect(await pa.stop()).toBe(0);
      expect(await pb.stop()).toBe(0);
    }
    const [la, lb] = [await activity(a.home), await activity(b.home)];
    const both = await decided();
    for (const slot of both) {
      const runs = [...backupsOf(la), ...backupsOf(lb)].filter((e) => e.details.slot === slot);
      expect(runs, `backups of the slot ${slot}`).toHaveLength(1);
    }
    // Each skip names the other process as the holder, and the other really backed that slot up.
    for (const [log, other, otherLog] of [[la, pb, lb], [lb, pa, la]] as const) {
      for (const e of takenOf(log)) {
        expect(e.summary).toMatch(new RegExp(`^Skipped the run of ${String(e.details.slot).replace(/\./g, '\\.')}: (slot taken|it was already backed up) by ${os.hostname()} \\(pid ${other.child.pid}\\)`));
        expect(otherLog.some((x) => x.kind === 'backup' && x.details.slot === e.details.slot)).toBe(true);
      }
      // A slot taken by the other is not a failure here.
      expect(log.filter((e) => e.outcome === 'failure')).toEqual([]);
    }
    expect(takenOf(la).length + takenOf(lb).length).toBeGreaterThanOrEqual(3);
    // The state the app's schedule screen reads says which slot the other scheduler took, and who.
    for (const [m, log, other] of [[a, la, pb], [b, lb, pa]] as const) {
      const taken = takenOf(log);
      if (taken.length === 0) continue;
      const state = JSON.parse(await readFile(path.join(m.home.LIFEBOAT_HOME, 'scheduler-state.json'), 'utf8')) as Record<string, { lastTakenElsewhere: { slot: string; by: string } | null }>;
      const last = state.shared?.lastTakenElsewhere;
      expect(taken.map((e) => String(e.details.slot))).toContain(last?.slot);
      expect(last?.by).toContain(`pid ${other.child.pid}`);
    }
    expect(pa.output() + pb.output()).toMatch(/shared: slot \S+ (taken|already backed up) by \S+ \(pid \d+\); not run here/);
    // As many backups in the bucket as successes logged: none doubled, none hidden.
    const successes = backupsOf(la).length + backupsOf(lb).length;
    expect(await dumps(prefix)).toHaveLength(successes);
    // Leases stay out of every listing and prune: `list` shows the backups only, a prune deletes none of them.
    const list = await runCli(['list', '--to', s3.storageUrl(BUCKET, prefix), '--json'], a.env);
    expect(list.stderr).toBe('');
    expect((JSON.parse(list.stdout) as { key: string }[]).map((x) => x.key).sort()).toEqual((await dumps(prefix)).sort());
    const leasesBefore = await leases(prefix);
    expect(leasesBefore.length).toBeGreaterThanOrEqual(1);
    expect(leasesBefore.length).toBeLessThanOrEqual(3); // the newest slots' (older ones are removed after each run)
    const prune = await runCli(['prune', '--to', s3.storageUrl(BUCKET, prefix), '--keep-days', '0', '--keep-last', '1', '--json'], a.env);
    expect(prune.stderr).toBe('');
    expect((await leases(prefix)).map((l) => l.key)).toEqual(leasesBefore.map((l) => l.key));
    expect(await dumps(prefix)).toHaveLength(1);
  });

  it('a holder killed with kill -9 mid-run: its slot is not re-run by the other after the lease expired, and the next slots run once', async () => {
    const prefix = 'killed';
    const when = ['--cron', '*/4 * * * * *'];
    const short = { LIFEBOAT_SLOT_LEASE_SECONDS: '2' };
    const [a, b] = await Promise.all([machine('shared', prefix, when, short), machine('shared', prefix, when, short)]);
    const lock = await lockOrders();
    let locked = true;
    const pa = startCliProcess(['scheduler', 'run'], a.env);
    const pb = startCliProcess(['scheduler', 'run'], b.env);
    try {
      // The first slot's holder is stuck behind the lock, mid-backup; the other has logged the slot as taken.
      const held = await waitFor('a live lease on the first slot', async () => (await leases(prefix)).find((l) => l.lease.outcome === null));
      const holder = held.lease.pid === pa.child.pid ? { proc: pa, m: a } : { proc: pb, m: b };
      const other = holder.proc === pa ? { proc: pb, m: b } : { proc: pa, m: a };
      await waitFor('the holder to start its backup', () => holder.proc.output().includes('shared: backup started'));
      await waitFor('the other to see the slot taken', async () => takenOf(await activity(other.m.home)).some((e) => e.details.slot === held.lease.slot));
      await killed(holder.proc);
      await lock.release();
      locked = false;
      // Past the dead holder's expiry, two more slots run on the survivor.
      await waitFor('two later slots backed up by the survivor', async () => backupsOf(await activity(other.m.home)).filter((e) => Date.parse(String(e.details.slot)) > Date.parse(held.lease.expiresAt)).length >= 2, 60_000);
      expect(await other.proc.stop()).toBe(0);
      const log = await activity(other.m.home);
      const stuck = held.lease.slot;
      // The dead holder's slot: skipped once as taken (by the killed pid), never run here, not a failure.
      expect(takenOf(log).filter((e) => e.details.slot === stuck).map((e) => e.details.holderPid)).toEqual([holder.proc.child.pid]);
      expect(log.filter((e) => e.kind === 'backup' && e.details.slot === stuck)).toEqual([]);
      expect(log.filter((e) => e.outcome === 'failure')).toEqual([]);
      // Every later slot ran exactly once, here.
      const later = backupsOf(log).map((e) => String(e.details.slot));
      expect(new Set(later).size).toBe(later.length);
      expect(later.every((s) => s > stuck)).toBe(true);
      expect(await dumps(prefix)).toHaveLength(later.length);
      // The survivor's clean-up removed the dead holder's expired lease with the older slots'.
      const left = await leases(prefix);
      expect(left.map((l) => l.lease.slot)).not.toContain(stuck);
      expect(left.length).toBeLessThanOrEqual(2);
    } finally {
      if (locked) await lock.release();
      await killed(pa);
      await killed(pb);
    }
  });

  it('a lease left by a dead holder never blocks its slot forever: a scheduler catching the slot up takes it over once, then it stays done', async () => {
    const prefix = 'takeover';
    const when = ['--daily', '03:00', '--timezone', 'UTC'];
    // The newest 03:00 UTC slot, missed by every machine (state says the one before was handled).
    const newestSlot = new Date();
    newestSlot.setUTCHours(3, 0, 0, 0);
    if (newestSlot.getTime() > Date.now()) newestSlot.setUTCDate(newestSlot.getUTCDate() - 1);
    const slot = newestSlot.toISOString();
    const lease = { LIFEBOAT_SLOT_LEASE_SECONDS: '3' };
    const machines = await Promise.all(['a', 'b', 'c', 'd'].map(() => machine('nightly', prefix, when, lease)));
    for (const m of machines) {
      const state = { nightly: { lastSlot: new Date(newestSlot.getTime() - 86_400_000).toISOString(), lastRunAt: null, lastOutcome: 'success', lastSuccessAt: null, lastVerifyAt: null } };
      await writeFile(path.join(m.home.LIFEBOAT_HOME, 'scheduler-state.json'), JSON.stringify(state));
    }
    const [a, b, c, d] = machines as [(typeof machines)[0], (typeof machines)[0], (typeof machines)[0], (typeof machines)[0]];
    const lock = await lockOrders();
    let locked = true;
    const pa = startCliProcess(['scheduler', 'run'], a.env);
    let pb: CliProcess | null = null;
    try {
      await waitFor('A to hold the slot, mid-backup', async () => pa.output().includes('nightly: backup started') && (await leases(prefix)).some((l) => l.lease.pid === pa.child.pid));
      pb = startCliProcess(['scheduler', 'run'], b.env);
      await waitFor('B to see the slot taken by A', () => pb!.output().includes('not run here'));
      await killed(pa);
      await lock.release();
      locked = false;
      const dead = (await leases(prefix)).find((l) => l.lease.pid === pa.child.pid)!.lease;
      expect(dead).toMatchObject({ slot, outcome: null, generation: 1 });
      // Read again while waiting: a renewal sent just before the kill may land after the read above.
      await waitFor('the dead holder’s lease to expire', async () => {
        const now = (await leases(prefix)).find((l) => l.lease.pid === pa.child.pid)?.lease;
        return Date.now() > Date.parse(now?.expiresAt ?? dead.expiresAt) + 500;
      });
      // B handled the slot when it saw it taken: it does not come back to it after the expiry.
      expect(await pb.stop()).toBe(0);
      const logB = await activity(b.home);
      expect(takenOf(logB).map((e) => [e.details.slot, e.details.holderPid, e.details.leaseStanding])).toEqual([[slot, pa.child.pid, 'live']]);
      expect(logB.filter((e) => e.kind === 'backup')).toEqual([]);
      expect(await dumps(prefix)).toEqual([]);

      // C was off at 03:00 and catches the slot up now: the expired lease does not block it.
      const pc = startCliProcess(['scheduler', 'run'], c.env);
      await waitFor('C to back the slot up', async () => backupsOf(await activity(c.home)).length === 1);
      expect(await pc.stop()).toBe(0);
      const logC = await activity(c.home);
      // The expiry C read: the dead holder's last renewal, which a loaded server may have stored just
      // after the read above (sent before the kill), so not earlier than that one's, by one lease at most.
      const tookOver = logC.find((e) => e.summary.startsWith('Took over the slot'))?.summary ?? '';
      const expired = new RegExp(`^Took over the slot ${slot.replace(/\./g, '\\.')} from ${os.hostname()} \\(pid ${pa.child.pid}\\): its lease expired at (\\S+) without an outcome \\(its holder stopped mid-run\\)$`).exec(tookOver);
      expect(expired, tookOver).not.toBeNull();
      const seenExpiry = Date.parse(expired?.[1] ?? '');
      expect(seenExpiry).toBeGreaterThanOrEqual(Date.parse(dead.expiresAt));
      expect(seenExpiry).toBeLessThanOrEqual(Date.parse(dead.expiresAt) + 3_000);
      expect(backupsOf(logC)[0]?.details.slot).toBe(slot);

      // D catches it up later still: the slot is done, it is not backed up a second time.
      const pd = startCliProcess(['scheduler', 'run'], d.env);
      await waitFor('D to decide', () => pd.output().includes('not run here'));
      expect(await pd.stop()).toBe(0);
      expect(pd.output()).toMatch(new RegExp(`nightly: slot ${slot.replace(/\./g, '\\.')} already backed up by \\S+ \\(pid ${pc.child.pid}\\); not run here`));
      expect(backupsOf(await activity(d.home))).toEqual([]);
      expect(await dumps(prefix)).toHaveLength(1);
      const stored = (await leases(prefix)).map((l) => [l.lease.generation, l.lease.pid, l.lease.outcome]).sort();
      expect(stored).toEqual([[1, pa.child.pid, null], [2, pc.child.pid, 'success']]);
    } finally {
      if (locked) await lock.release();
      await killed(pa);
      if (pb) await killed(pb);
    }
  });
});

/** A lease as a scheduler would have left it; times far from any test's "now", so none depends on the clock. */
function storedLease(schedule: string, slot: string, holder: { host: string; pid: number }, state: 'done' | 'expired' | 'live'): SlotLease {
  return {
    lease: 'lifeboat-slot',
    version: 1,
    schedule,
    database: 'shop',
    slot,
    generation: 1,
    host: holder.host,
    pid: holder.pid,
    runId: 'ab'.repeat(16),
    acquiredAt: '2000-01-01T00:00:00.000Z',
    expiresAt: state === 'live' ? '2999-01-01T00:00:00.000Z' : '2000-01-01T00:10:00.000Z',
    endedAt: state === 'done' ? '2000-01-01T00:05:00.000Z' : null,
    outcome: state === 'done' ? 'success' : null,
  };
}

async function putLease(prefix: string, l: SlotLease): Promise<string> {
  const key = leaseKey(leaseFolder(prefix, l.database, l.schedule), l.slot, l.generation);
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: serializeLease(l) }));
  return key;
}

describe('removing a schedule removes its slot leases (RGW)', () => {
  it('`scheduler remove` deletes its own leases nobody holds, never a live one of another scheduler, another schedule\'s, or other objects', async () => {
    const prefix = 'removal';
    const { env } = await machine('nightly', prefix, ['--daily', '03:00']);
    expect((await runCli(['scheduler', 'add', 'other', '--db', pgc.url('shop'), '--to', s3.storageUrl(BUCKET, prefix), '--daily', '04:00', '--no-prune'], env)).code).toBe(0);
    const elsewhere = { host: 'another-machine', pid: 4242 };
    // A process of this machine that has ended: its lease is stale even before it expires.
    const deadPid = spawnSync('true').pid;
    const here = { host: os.hostname(), pid: deadPid };
    const done = await putLease(prefix, storedLease('nightly', '2026-11-01T03:00:00.000Z', elsewhere, 'done'));
    const expired = await putLease(prefix, storedLease('nightly', '2026-11-02T03:00:00.000Z', elsewhere, 'expired'));
    const staleHere = await putLease(prefix, storedLease('nightly', '2026-11-03T03:00:00.000Z', here, 'live'));
    const heldElsewhere = await putLease(prefix, storedLease('nightly', '2026-11-04T03:00:00.000Z', elsewhere, 'live'));
    const othersLease = await putLease(prefix, storedLease('other', '2026-11-01T04:00:00.000Z', elsewhere, 'done'));
    const note = `${leaseFolder(prefix, 'shop', 'nightly')}/README.txt`;
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: note, Body: 'not a lease' }));

    const r = await runCli(['scheduler', 'remove', 'nightly'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Removed schedule "nightly"; its backups are untouched. Removed its 3 slot lease object(s) from s3://${BUCKET}/${prefix} at ${s3.endpoint}. Kept the lease another-machine (pid 4242) holds until 2999-01-01T00:00:00.000Z: a scheduler is running that slot now; the lease expires by itself.\n`,
    );
    const left = (await s3.listKeys(BUCKET)).filter((k) => k.startsWith(`${prefix}/.lifeboat/`));
    expect(left).toEqual([heldElsewhere, note, othersLease].sort());
    for (const gone of [done, expired, staleHere]) expect(left).not.toContain(gone);

    // A storage that cannot be reached: the schedule is removed all the same, and the line says what stayed.
    expect((await runCli(['scheduler', 'add', 'far', '--db', pgc.url('shop'), '--to', `s3://${BUCKET}/${prefix}?endpoint=${encodeURIComponent('http://127.0.0.1:9')}`, '--daily', '05:00', '--no-prune'], env)).code).toBe(0);
    const far = await runCli(['scheduler', 'remove', 'far'], env);
    expect(far.code, far.stderr).toBe(0);
    expect(far.stdout).toMatch(/^Removed schedule "far"; its backups are untouched\. Its slot leases in s3:\/\/leases\/removal at http:\/\/127\.0\.0\.1:9 could not be removed \(.+\); they are small objects under \.lifeboat\/leases\/ that no other schedule reads, so they can stay or be deleted by hand\.\n$/);
    expect((await runCli(['scheduler', 'list', '--json'], env)).stdout).not.toContain('"far"');
  });

  it('the app\'s Remove schedule deletes the leases of its database\'s schedule too', async () => {
    const prefix = 'removal-app';
    const home = await tempHome();
    const env = { ...process.env, ...home, ...s3.env };
    expect((await runCli(['profile', 'add', 'shop', '--db', pgc.url('shop'), '--to', s3.storageUrl(BUCKET, prefix)], env)).code).toBe(0);
    expect((await runCli(['scheduler', 'add', 'shop', '--profile', 'shop', '--daily', '03:00', '--no-prune'], env)).code).toBe(0);
    const done = await putLease(prefix, storedLease('shop', '2026-11-01T03:00:00.000Z', { host: 'another-machine', pid: 7 }, 'done'));
    const service = createAppService({ emit: () => undefined, shell: 'web', env });
    try {
      const r = await dispatchCall(service, 'schedules.remove', { targetId: 'shop' });
      expect(r).toEqual({ ok: true, value: { removed: true, leases: `Removed its 1 slot lease object(s) from s3://${BUCKET}/${prefix} at ${s3.endpoint}.` } });
    } finally {
      await service.shutdown();
    }
    expect((await s3.listKeys(BUCKET)).filter((k) => k.startsWith(`${prefix}/`))).not.toContain(done);
    expect((await s3.listKeys(BUCKET)).filter((k) => k.startsWith(`${prefix}/.lifeboat/`))).toEqual([]);
  });
});

describe('the README\'s CronJob command, headless (no Secret Service)', () => {
  it('`lifeboat backup --profile` and `prune --profile` run with a mounted config.json, AWS_* and PG* from the environment', async () => {
    // An admin machine writes the profile (no secret in it); the job gets only that file.
    const admin = await tempHome();
    const url = s3.storageUrl(BUCKET, 'cronjob');
    expect((await runCli(['profile', 'add', 'shop', '--db', pgc.url('shop'), '--to', url], { ...admin, ...NO_KEYCHAIN_ENV })).code).toBe(0);
    const job = await tempHome(); // an emptyDir as LIFEBOAT_HOME, the ConfigMap's config.json mounted into it
    await mkdir(job.LIFEBOAT_HOME, { recursive: true });
    await copyFile(path.join(admin.LIFEBOAT_HOME, 'config.json'), path.join(job.LIFEBOAT_HOME, 'config.json'));
    await chmod(path.join(job.LIFEBOAT_HOME, 'config.json'), 0o444);
    const env = { ...job, ...NO_KEYCHAIN_ENV, ...s3.env, PGPASSWORD: 'from-a-kubernetes-secret' };
    const backup = await runCli(['backup', '--profile', 'shop', '--json'], env);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const { key } = JSON.parse(backup.stdout) as { key: string };
    expect(await dumps('cronjob')).toEqual([key]);
    const prune = await runCli(['prune', '--profile', 'shop'], env);
    expect(prune.code).toBe(0);
    expect(await readFile(path.join(job.LIFEBOAT_HOME, 'config.json'), 'utf8')).toBe(await readFile(path.join(admin.LIFEBOAT_HOME, 'config.json'), 'utf8'));
    // The secrets given through the environment were written nowhere.
    const log = await readFile(path.join(job.LIFEBOAT_HOME, 'activity', 'activity.jsonl'), 'utf8');
    expect(log).toContain(key);
    for (const secret of ['from-a-kubernetes-secret', s3.secretAccessKey]) expect(log).not.toContain(secret);
  });
});
