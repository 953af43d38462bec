import { defaultPolicy, mostKeeping, policyProblem, type RetentionPolicy } from '../../../shared/retention.js';
import { LifeboatError } from '../errors.js';
import { getProfile } from '../profiles/profiles.js';
import { resolveProfile } from '../profiles/resolve-profile.js';
import { automationConfigPath, findSchedule, loadAutomationConfig } from '../scheduler/automation-config.js';
import { parseStorageTarget, type StorageTarget } from '../storage/target.js';

/** Numbers given for this prune only (flags, an API call), on top of the schedule's or the default policy. */
export interface PolicyOverrides {
  keepDays?: number | undefined;
  keepLast?: number | undefined;
  gfsDaily?: number | undefined;
  gfsWeekly?: number | undefined;
  gfsMonthly?: number | undefined;
}

export interface PruneSubject {
  /** A storage URL; undefined with no profile: BACKUP_S3_BUCKET, else the local folder. */
  to?: string | undefined;
  /** A profile (its storage; the retention of a schedule attached to it), or a schedule by name. */
  profile?: string | undefined;
  overrides?: PolicyOverrides;
}

export interface ResolvedPrune {
  target: StorageTarget;
  /** The profile's copy destinations: retention runs in each of them too, on its own listing. */
  copies: StorageTarget[];
  policy: RetentionPolicy;
  /** Who the prune is logged under. */
  profile: string | null;
}

/** Overrides on top of a base policy; an unusable result is BAD_INPUT in one sentence. */
export function applyOverrides(base: RetentionPolicy, o: PolicyOverrides = {}): RetentionPolicy {
  const gfsGiven = o.gfsDaily !== undefined || o.gfsWeekly !== undefined || o.gfsMonthly !== undefined;
  const gfs = gfsGiven ? { daily: o.gfsDaily ?? base.gfs?.daily ?? 0, weekly: o.gfsWeekly ?? base.gfs?.weekly ?? 0, monthly: o.gfsMonthly ?? base.gfs?.monthly ?? 0 } : base.gfs;
  const policy = { keepDays: o.keepDays ?? base.keepDays, keepLast: o.keepLast ?? base.keepLast, gfs };
  const problem = policyProblem(policy);
  if (problem) throw new LifeboatError('BAD_INPUT', `The retention policy is not valid: ${problem}.`);
  return policy;
}

/**
 * Which storage a prune works on and with which policy: the engine's rule, whoever asks.
 * - a profile: its storage, and the retention of the first schedule attached to it (else the default);
 * - a schedule's name (no profile of that name): its storage, and its retention;
 * - a storage URL or nothing: the default policy (BACKUP_RETENTION_DAYS).
 * Overrides apply on top in every case.
 */
export async function resolvePrune(subject: PruneSubject, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedPrune> {
  if (subject.to && subject.profile) throw new LifeboatError('BAD_INPUT', 'Give either a storage or a profile to prune, not both.');
  if (!subject.profile) {
    const base = defaultPolicy(env);
    if (Number.isNaN(base.keepDays)) throw new LifeboatError('BAD_INPUT', `BACKUP_RETENTION_DAYS must be a whole number of days, not "${env.BACKUP_RETENTION_DAYS}".`);
    return { target: parseStorageTarget(subject.to, env), copies: [], policy: applyOverrides(base, subject.overrides), profile: null };
  }
  const name = subject.profile;
  const config = await loadAutomationConfig(automationConfigPath(env));
  const isProfile = await getProfile(env, name).then(
    () => true,
    () => false,
  );
  if (isProfile) {
    // Several schedules of one profile share its storage: keep what any of them keeps.
    const policies = config.schedules.filter((x) => x.profile === name).map((x) => x.retention ?? defaultPolicy(env));
    const { target, copies } = await resolveProfile(name, env, { dbPassword: false, encryptionKey: false });
    return { target, copies, policy: applyOverrides(policies.length > 0 ? mostKeeping(policies) : defaultPolicy(env), subject.overrides), profile: name };
  }
  const s = findSchedule(config, name);
  const places = s.profile ? await resolveProfile(s.profile, env, { dbPassword: false, encryptionKey: false }) : { target: parseStorageTarget(s.to ?? undefined, env), copies: [] };
  return { target: places.target, copies: places.copies, policy: applyOverrides(s.retention ?? defaultPolicy(env), subject.overrides), profile: s.profile ?? s.name };
}
