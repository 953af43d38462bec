import { policyProblem } from '../../../shared/retention.js';
import { scheduleSchema, type Schedule, type ScheduleInput } from '../../../shared/schedule.js';
import { timingProblem } from '../../../shared/schedule-slots.js';
import { checkCompressionSetting } from '../compress/backup-compression.js';
import { LifeboatError } from '../errors.js';
import { getProfile } from '../profiles/profiles.js';
import { parseStorageTarget } from '../storage/target.js';
import { assertNoSecretInUrl, automationConfigPath, findSchedule, loadAutomationConfig, noSuchSchedule, updateAutomationConfig } from './automation-config.js';

/** The fields a schedule may be changed by; name and createdAt are the schedule's identity. */
export type SchedulePatch = Partial<Omit<ScheduleInput, 'name' | 'createdAt'>>;

/**
 * The one place schedules are read and changed, for the CLI (`scheduler add/edit/remove`) and the
 * app (its Schedule screen): every change is validated and written under the automation file's
 * lock, so neither surface drops or resets what the other wrote. A schedule is known by its name;
 * a database (profile) may have any number of them.
 */
export class ScheduleRepository {
  readonly file: string;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    file?: string,
  ) {
    this.file = file ?? automationConfigPath(env);
  }

  async list(): Promise<Schedule[]> {
    return (await loadAutomationConfig(this.file)).schedules;
  }

  /** The schedules of one profile (the app's database), in file order. */
  async forProfile(profile: string): Promise<Schedule[]> {
    return (await this.list()).filter((s) => s.profile === profile);
  }

  /** NOT_FOUND, naming the schedules there are, when there is none by that name. */
  async get(name: string): Promise<Schedule> {
    return findSchedule(await loadAutomationConfig(this.file), name);
  }

  /** A new schedule; with replace, one of the same name is replaced whole (`scheduler add --replace`). */
  async add(input: ScheduleInput, opts: { replace?: boolean } = {}): Promise<Schedule> {
    const s = await this.check(input);
    await updateAutomationConfig(this.file, (config) => {
      const at = config.schedules.findIndex((x) => x.name === s.name);
      if (at >= 0 && !opts.replace) throw new LifeboatError('BAD_INPUT', `A schedule named "${s.name}" exists already; choose another name, or replace it.`);
      if (at >= 0) config.schedules[at] = s;
      else config.schedules.push(s);
    });
    return s;
  }

  /**
   * Changes only the fields in the patch; every other field (format, retry delay, verification
   * server, GFS retention…) stays as it was. With `profile`, the schedule must belong to it.
   */
  async edit(name: string, patch: SchedulePatch | ((existing: Schedule) => SchedulePatch), opts: { profile?: string } = {}): Promise<Schedule> {
    return this.change(name, opts.profile, (existing) => {
      if (!existing) return null;
      const p = typeof patch === 'function' ? patch(existing) : patch;
      return { ...existing, ...p, name: existing.name, createdAt: existing.createdAt };
    });
  }

  /**
   * The app's save: edits the database's schedule of that name, or creates it attached to the
   * profile. A name already used by a schedule of another database is refused.
   */
  async saveForProfile(profile: string, name: string, patch: SchedulePatch | ((existing: Schedule | null) => SchedulePatch), now: Date = new Date()): Promise<Schedule> {
    await getProfile(this.env, profile); // a clear NOT_FOUND for an unknown database
    return this.change(name, profile, (existing) => {
      const p = typeof patch === 'function' ? patch(existing) : patch;
      return existing ? { ...existing, ...p, profile, name: existing.name, createdAt: existing.createdAt } : ({ ...p, name, profile, createdAt: now.toISOString() } as ScheduleInput);
    });
  }

  /** Removes one schedule (its backups stay); with `profile`, only if it belongs to it. Null when there was none. */
  async remove(name: string, opts: { profile?: string } = {}): Promise<Schedule | null> {
    return updateAutomationConfig(this.file, (config) => {
      const s = config.schedules.find((x) => x.name === name && (opts.profile === undefined || x.profile === opts.profile));
      if (!s) return null;
      config.schedules = config.schedules.filter((x) => x !== s);
      return s;
    });
  }

  private async change(name: string, profile: string | undefined, make: (existing: Schedule | null) => ScheduleInput | null): Promise<Schedule> {
    // Checked (profile exists, URLs without passwords) before the lock, then parsed again inside it.
    const current = (await this.list()).find((x) => x.name === name) ?? null;
    assertOwner(current, name, profile);
    const first = make(current);
    if (!first) throw noSuchSchedule(name, await this.list());
    await this.check(first);
    return updateAutomationConfig(this.file, async (config) => {
      const at = config.schedules.findIndex((x) => x.name === name);
      const existing = at >= 0 ? (config.schedules[at] ?? null) : null;
      assertOwner(existing, name, profile);
      const input = make(existing);
      if (!input) throw noSuchSchedule(name, config.schedules);
      const s = await this.check(input);
      if (at >= 0) config.schedules[at] = s;
      else config.schedules.push(s);
      return s;
    });
  }

  /** Every rule a stored schedule obeys, each broken one said in one sentence. */
  private async check(input: ScheduleInput): Promise<Schedule> {
    if (typeof input.name !== 'string' || !/^[\p{L}\p{N}_. -]{1,100}$/u.test(input.name)) {
      throw new LifeboatError('BAD_INPUT', `"${String(input.name)}" is not a usable schedule name; use up to 100 letters, digits, spaces, dots, dashes or underscores.`);
    }
    if (input.profile && (input.db || input.to)) throw new LifeboatError('BAD_INPUT', 'Give a schedule either a profile or a database and storage URL: a profile already says which database and where its backups go.');
    assertNoSecretInUrl(input.db ?? null, 'database URL');
    assertNoSecretInUrl(input.verifyServer ?? null, 'verification server URL');
    if (!input.profile) parseStorageTarget(input.to ?? undefined, this.env); // a clear sentence for a bad URL
    const parsed = scheduleSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LifeboatError('BAD_INPUT', `The schedule "${input.name}" is not valid: ${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}.`);
    }
    const s = parsed.data;
    const timing = timingProblem(s);
    if (timing) throw new LifeboatError('BAD_INPUT', `The schedule cannot be used: ${timing}.`);
    const retention = s.retention ? policyProblem(s.retention) : null;
    if (retention) throw new LifeboatError('BAD_INPUT', `The retention policy is not valid: ${retention}.`);
    if (s.compression && !s.profile) checkCompressionSetting(s.format, s.compression);
    if (s.profile) await getProfile(this.env, s.profile);
    return s;
  }
}

function assertOwner(existing: Schedule | null, name: string, profile: string | undefined): void {
  if (!existing || profile === undefined || existing.profile === profile) return;
  const owner = existing.profile ? `the database "${existing.profile}"` : 'no database profile';
  throw new LifeboatError('BAD_INPUT', `The schedule name "${name}" is already used by a schedule of ${owner}; choose another name.`);
}
