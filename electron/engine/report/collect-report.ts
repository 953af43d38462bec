import { buildStatusReport, type ProfileInput, type StatusReport } from '../../../shared/report.js';
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
}

/** The schedules' storages (a profile's for schedules attached to one), or the given URL, or the default storage. */
export async function reportSubjects(config: AutomationConfig, env: NodeJS.ProcessEnv, to?: string): Promise<ReportSubject[]> {
  if (to !== undefined) return [{ name: to.split('?')[0] ?? to, target: parseStorageTarget(to, env), profile: null }];
  if (config.schedules.length > 0) {
    return Promise.all(
      config.schedules.map(async (s) => ({
        name: s.name,
        target: s.profile && s.db === null ? (await resolveProfile(s.profile, env, { dbPassword: false, encryptionKey: false })).target : parseStorageTarget(s.to ?? undefined, env),
        profile: s.name,
      })),
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
      backups = await listBackups(storage, { prefix: s.target.prefix });
      const newest = backups.find((b) => b.hasManifest);
      const rec = newest ? await readVerifyRecord(storage, newest.key).catch(() => null) : null;
      if (rec) verifyRecord = { at: rec.verifiedAt, outcome: rec.outcome === 'passed' ? 'success' : 'failure', key: rec.key, message: rec.problem };
    } catch (e) {
      listingError = isLifeboatError(e) ? e.message : String(e);
    }
    const mine = activity.filter((e) => (s.profile !== null ? e.profile === s.profile : e.storage === storage.display));
    inputs.push({ name: s.name, storage: storage.display, backups, activity: mine, listingError, verifyRecord });
  }
  return buildStatusReport(inputs, since, until);
}
