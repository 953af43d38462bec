import { buildStatusReport, type ProfileInput, type StatusReport } from '../../../shared/report.js';
import { isBackupOf } from '../../../shared/backup-entry.js';
import type { AutomationConfig } from '../../../shared/schedule.js';
import type { ActivityLog } from '../activity/activity-log.js';
import { listBackups } from '../backup/list-backups.js';
import { isLifeboatError } from '../errors.js';
import { resolveProfile } from '../profiles/resolve-profile.js';
import { openStorage } from '../storage/open-storage.js';
import { readVerifyRecord } from '../verify/read-verify-record.js';
import { parseStorageTarget, type StorageTarget } from '../storage/target.js';

export interface ReportSubject {
  name: string;
  target: StorageTarget;
  /** Activity-log profile name to read; null = ad-hoc runs against this storage. */
  profile: string | null;
  /** Other names its activity is logged under: the schedules attached to the profile. */
  alsoLoggedAs?: readonly string[];
  /** Count only this database's backups (a storage folder may hold several); null: all of them. */
  dbName?: string | null;
  /** The schedule's recovery-time target for drills (ms). */
  rtoMs?: number | null;
}

/** The database a libpq URL names (libpq's default is the user's name); null when it cannot tell. */
export function databaseOfUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || null;
  } catch {
    return null;
  }
}

/** The schedules' storages (a profile's for schedules attached to one), or the given URL, or the default storage. */
export async function reportSubjects(config: AutomationConfig, env: NodeJS.ProcessEnv, to?: string): Promise<ReportSubject[]> {
  if (to !== undefined) return [{ name: to.split('?')[0] ?? to, target: parseStorageTarget(to, env), profile: null }];
  if (config.schedules.length > 0) {
    return Promise.all(
      config.schedules.map(async (s) => {
        const profile = s.profile && s.db === null ? await resolveProfile(s.profile, env, { dbPassword: false, encryptionKey: false }) : null;
        return {
          name: s.name,
          target: profile ? profile.target : parseStorageTarget(s.to ?? undefined, env),
          // Its runs are logged under the schedule's name; runs of its profile (`--profile`, the app) count too.
          profile: s.name,
          alsoLoggedAs: s.profile && s.profile !== s.name ? [s.profile] : [],
          dbName: databaseOfUrl(profile ? profile.db.url : s.db),
          rtoMs: s.rtoMs,
        };
      }),
    );
  }
  return [{ name: 'default', target: parseStorageTarget(undefined, env), profile: null }];
}

/** Lists each subject's storage and reads the activity log; a storage that cannot be listed is reported, not hidden. */
export async function collectReport(subjects: ReportSubject[], log: ActivityLog, since: Date, until: Date): Promise<StatusReport> {
  const activity = await log.read({});
  const inputs: ProfileInput[] = [];
  for (const s of subjects) {
    const storage = openStorage(s.target);
    let backups: ProfileInput['backups'] = [];
    let listingError: string | null = null;
    let verifyRecord: ProfileInput['verifyRecord'] = null;
    try {
      const all = await listBackups(storage, { prefix: s.target.prefix });
      const db = s.dbName ?? null;
      backups = db === null ? all : all.filter((b) => isBackupOf(b, db));
      const newest = backups.find((b) => b.hasManifest);
      const rec = newest ? await readVerifyRecord(storage, newest.key).catch(() => null) : null;
      if (rec) verifyRecord = { at: rec.verifiedAt, outcome: rec.outcome === 'passed' ? 'success' : 'failure', key: rec.key, message: rec.problem };
    } catch (e) {
      listingError = isLifeboatError(e) ? e.message : String(e);
    }
    const names = new Set([s.profile, ...(s.alsoLoggedAs ?? [])].filter((n): n is string => n !== null));
    const mine = activity.filter((e) => (s.profile !== null ? e.profile !== null && names.has(e.profile) : e.storage === storage.display));
    inputs.push({ name: s.name, storage: storage.display, backups, activity: mine, listingError, verifyRecord, rtoMs: s.rtoMs ?? null });
  }
  return buildStatusReport(inputs, since, until);
}
