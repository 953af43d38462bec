import type { Schedule } from '../../../shared/schedule.js';
import { errorForLog, outcomeOf, type ActivityLog } from '../activity/activity-log.js';
import { runLoggedBackup } from '../activity/logged-backup.js';
import { describeFailedCopies } from '../copies/copy-to-destinations.js';
import { listBackups } from '../backup/list-backups.js';
import { compressionOf } from '../compress/backup-compression.js';
import { LifeboatError } from '../errors.js';
import { runLoggedPrune } from '../retention/logged-prune.js';
import { openStorage } from '../storage/open-storage.js';
import { parseStorageTarget } from '../storage/target.js';
import { resolveProfile } from '../profiles/resolve-profile.js';
import type { StorageTarget } from '../storage/target.js';
import { databaseNameOf, parsePgConnection, type PgConnection } from '../pg/connection.js';
import { runLoggedVerify } from '../verify/logged-verify.js';
import { systemClock, type Clock } from './clock.js';
import type { ScheduleActions } from './scheduler.js';
import { acquireSlotLease } from './slot-lease.js';
import { leaseMsFromEnv } from './slot-lease-record.js';

export interface ActionContext {
  env: NodeJS.ProcessEnv;
  log: ActivityLog;
  pgBinDir?: string | undefined;
  /** Times slot leases (their expiry and renewals), and drills unless drillClock is given. */
  clock?: Clock;
  /** Times drills (the recovery time of a deep verification); tests make a restore "take" as long as they need. */
  drillClock?: Pick<Clock, 'now'>;
}

/** Who a schedule's activity belongs to: its database (profile) when it has one, so the app's status sees it. */
export function activityOwner(s: Schedule): string {
  return s.profile ?? s.name;
}

export interface SchedulePlaces {
  target: StorageTarget;
  db: PgConnection;
  copies: StorageTarget[];
}

/**
 * Where a schedule backs up, without any secret loaded: a schedule attached to a profile ALWAYS
 * takes its database and storage from the profile, whatever else the file or the PG* variables
 * say; only a schedule without a profile uses its own db and to (null: the PG* variables, the
 * default storage).
 */
export async function schedulePlaces(s: Schedule, env: NodeJS.ProcessEnv): Promise<SchedulePlaces> {
  return s.profile !== null
    ? await resolveProfile(s.profile, env, { dbPassword: false, encryptionKey: false })
    : { target: parseStorageTarget(s.to ?? undefined, env), db: parsePgConnection(s.db ?? undefined, env), copies: [] };
}

/** The real work behind a schedule: the engine's backup, prune and verification, each logged. */
export function engineActions(ctx: ActionContext): ScheduleActions {
  // A schedule attached to a profile takes its database, storage, format and encryption from the
  // profile (secrets from the keychain; see schedulePlaces).
  const resolved = (s: Schedule): Promise<SchedulePlaces> => schedulePlaces(s, ctx.env);
  const target = async (s: Schedule): Promise<StorageTarget> => (await resolved(s)).target;
  // Nothing to verify (no backup yet, storage not listable): one failure line, as a run would say.
  const logVerifyProblem = async (s: Schedule, storage: string, deep: boolean, e: unknown): Promise<void> => {
    const at = new Date().toISOString();
    await ctx.log.append({ kind: 'verify', outcome: outcomeOf(e), profile: activityOwner(s), startedAt: at, endedAt: at, bytes: null, storage, key: null, summary: 'Verification failed', error: errorForLog(e), details: { depth: deep ? 'deep' : 'quick' } }).catch(() => undefined);
  };
  return {
    async claimSlot(s, slot, signal, onLost) {
      // Schedulers agree on a slot by storage, schedule name and database name: what each has
      // configured, known before connecting to anything (the backup key uses the same name).
      const { target: t, db } = await resolved(s);
      const storage = openStorage(t);
      return acquireSlotLease({ storage, prefix: t.prefix, schedule: s.name, database: databaseNameOf(db, ctx.env), slot, clock: ctx.clock ?? systemClock, leaseMs: leaseMsFromEnv(ctx.env), signal, onLost });
    },
    async backup(s, signal, attempt, slot) {
      const details = { scheduled: true, attempt, schedule: s.name, slot };
      if (s.profile !== null) {
        const p = await resolveProfile(s.profile, ctx.env);
        const r = await runLoggedBackup({ db: p.db, to: p.target, copyTo: p.copies, format: p.format, ...compressionOf(p.compression), encryption: p.encryptionKey, env: ctx.env, signal, pgBinDir: ctx.pgBinDir }, ctx.log, activityOwner(s), details);
        const partly = describeFailedCopies(r.copies);
        const partlyCopied = partly ? { text: partly, failed: r.copies.filter((c) => c.status === 'failed').map((c) => c.storage) } : null;
        return { key: r.key, sizeBytes: r.sizeBytes, dbName: r.manifest.database, partlyCopied };
      }
      const r = await runLoggedBackup({ db: s.db ?? undefined, to: await target(s), format: s.format, ...compressionOf(s.compression), encryption: null, env: ctx.env, signal, pgBinDir: ctx.pgBinDir }, ctx.log, activityOwner(s), details);
      return { key: r.key, sizeBytes: r.sizeBytes, dbName: r.manifest.database };
    },
    async prune(s, done) {
      if (!s.retention) return { deleted: 0 };
      // Retention runs in every place that holds copies, each judged on its own listing (prune.ts).
      const { target: primary, copies } = await resolved(s);
      let deleted = 0;
      for (const t of [primary, ...copies]) {
        const r = await runLoggedPrune(t, s.retention, { dryRun: false, profile: activityOwner(s), log: ctx.log, dbName: done.dbName });
        deleted += r.plan.delete;
      }
      return { deleted };
    },
    async verify(s, signal) {
      // The verify engine: re-reads the newest backup (size, SHA-256, contents), or with a server
      // restores it into a temporary database, compares row counts and times the recovery (a
      // drill, against the schedule's target); writes <key>.verify.json and one activity line.
      const t = await target(s);
      const storage = openStorage(t);
      const deep = s.verifyServer !== null;
      const newest = await listBackups(storage, { prefix: t.prefix })
        .then((all) => all.find((b) => b.hasManifest))
        .catch(async (e: unknown) => {
          await logVerifyProblem(s, storage.display, deep, e);
          throw e;
        });
      if (!newest) {
        const e = new LifeboatError('NOT_FOUND', `There is no backup with a manifest in ${storage.display} to verify yet.`);
        await logVerifyProblem(s, storage.display, deep, e);
        throw e;
      }
      const r = await runLoggedVerify({ to: t, key: newest.key, deep, server: s.verifyServer ?? undefined, env: ctx.env, signal, pgBinDir: ctx.pgBinDir, clock: ctx.drillClock ?? ctx.clock, targetMs: s.rtoMs }, ctx.log, { profile: activityOwner(s), storage: storage.display });
      if (r.outcome !== 'passed') throw new LifeboatError('VERIFY_FAILED', r.problem ?? `The backup ${newest.key} did not verify.`);
      return { key: r.key, drill: r.drill };
    },
  };
}
