import type { Schedule } from '../../../shared/schedule.js';
import { errorForLog, outcomeOf, type ActivityLog } from '../activity/activity-log.js';
import { runLoggedBackup } from '../activity/logged-backup.js';
import { listBackups } from '../backup/list-backups.js';
import { LifeboatError } from '../errors.js';
import { runLoggedPrune } from '../retention/logged-prune.js';
import { openStorage } from '../storage/open-storage.js';
import { parseStorageTarget } from '../storage/target.js';
import { resolveProfile } from '../profiles/resolve-profile.js';
import type { StorageTarget } from '../storage/target.js';
import { runVerify } from '../verify/run-verify.js';
import type { ScheduleActions } from './scheduler.js';

export interface ActionContext {
  env: NodeJS.ProcessEnv;
  log: ActivityLog;
  pgBinDir?: string | undefined;
  /**
   * The database URL for a schedule that names a profile or app target instead of a URL (the
   * caller knows where those live); undefined falls back to the schedule's own db or PG* variables.
   */
  resolveDb?: ((s: Schedule) => Promise<string | undefined>) | undefined;
}

/** The real work behind a schedule: the engine's backup, prune and verification, each logged. */
export function engineActions(ctx: ActionContext): ScheduleActions {
  // A schedule attached to a profile takes its database, storage, format and encryption from it
  // (secrets from the keychain); otherwise the schedule's own URLs.
  // Schedules made by the desktop app name its target (profile = target id) but carry the storage
  // URL themselves; a schedule with neither db nor storage URL takes both from its profile.
  const byProfile = (s: Schedule): boolean => s.profile !== null && s.db === null && s.to === null;
  const target = async (s: Schedule): Promise<StorageTarget> =>
    byProfile(s) && s.profile ? (await resolveProfile(s.profile, ctx.env, { dbPassword: false, encryptionKey: false })).target : parseStorageTarget(s.to ?? undefined, ctx.env);
  return {
    async backup(s, signal, attempt) {
      const profile = byProfile(s) && s.profile ? await resolveProfile(s.profile, ctx.env) : null;
      const db = profile?.db ?? s.db ?? (ctx.resolveDb ? await ctx.resolveDb(s) : undefined);
      const r = await runLoggedBackup(
        { db, to: profile?.target ?? (await target(s)), format: profile?.format ?? s.format, encryption: profile?.encryptionKey ?? null, env: ctx.env, signal, pgBinDir: ctx.pgBinDir },
        ctx.log,
        s.name,
        { scheduled: true, attempt },
      );
      return { key: r.key, sizeBytes: r.sizeBytes, dbName: r.manifest.database };
    },
    async prune(s, done) {
      if (!s.retention) return { deleted: 0 };
      const r = await runLoggedPrune(await target(s), s.retention, { dryRun: false, profile: s.name, log: ctx.log, dbName: done.dbName });
      return { deleted: r.plan.delete };
    },
    async verify(s, signal) {
      // The verify engine: re-reads the newest backup (size, SHA-256, contents), or with a server
      // restores it into a temporary database and compares row counts; writes <key>.verify.json.
      const startedAt = new Date().toISOString();
      const t = await target(s);
      const storage = openStorage(t);
      let key: string | null = null;
      const deep = s.verifyServer !== null;
      try {
        const newest = (await listBackups(storage, { prefix: t.prefix })).find((b) => b.hasManifest);
        if (!newest) throw new LifeboatError('NOT_FOUND', `There is no backup with a manifest in ${storage.display} to verify yet.`);
        key = newest.key;
        const r = await runVerify({ to: t, key, deep, server: s.verifyServer ?? undefined, env: ctx.env, signal, pgBinDir: ctx.pgBinDir });
        if (r.outcome !== 'passed') throw new LifeboatError('VERIFY_FAILED', r.problem ?? `The backup ${key} did not verify.`);
        await ctx.log.append({ kind: 'verify', outcome: 'success', profile: s.name, startedAt, endedAt: new Date().toISOString(), bytes: r.checks.sizeBytes, storage: storage.display, key, summary: deep ? 'Verified: restored into a temporary database, row counts match the manifest' : 'Verified: size, SHA-256 and contents match the manifest', error: null, details: { depth: r.depth, sha256: r.checks.sha256 } });
        return { key };
      } catch (e) {
        await ctx.log.append({ kind: 'verify', outcome: outcomeOf(e), profile: s.name, startedAt, endedAt: new Date().toISOString(), bytes: null, storage: storage.display, key, summary: 'Verification failed', error: errorForLog(e), details: { depth: deep ? 'deep' : 'quick' } });
        throw e;
      }
    },
  };
}
