import { durationText, formatDuration } from '../../../shared/duration.js';
import type { Schedule } from '../../../shared/schedule.js';
import { decideDue, nextRuns, timingProblem, type DueDecision } from '../../../shared/schedule-slots.js';
import { errorForLog, outcomeOf, type NewActivity } from '../activity/activity-log.js';
import { LifeboatError } from '../errors.js';
import { sleep, type Clock } from './clock.js';
import type { HeldSlot, LeaseHolder, SlotClaim } from './slot-lease.js';
import { emptyScheduleState, type SchedulerState, type StateStore } from './scheduler-state.js';

export interface BackupDone {
  key: string;
  sizeBytes: number;
  /** The database's real name, so the retention pass touches only its backups. */
  dbName: string;
  /** Set when the backup is stored but some copy destinations failed: which, in one sentence (never silent). */
  partlyCopied?: PartlyCopied | null;
}

/** A backup done in its storage but not in every copy destination. */
export interface PartlyCopied {
  /** "Partly copied: 2 of 3 places hold the backup; the copy to … failed (…)." */
  text: string;
  /** The destinations whose copy failed, as shown (no credentials). */
  failed: string[];
}

/** The work a schedule does; the real ones call the engine, unit tests pass recorders. */
export interface ScheduleActions {
  /** `slot`: the scheduled slot being run (an ISO time), recorded with the backup. */
  backup(s: Schedule, signal: AbortSignal, attempt: number, slot: string): Promise<BackupDone>;
  /** The retention pass after a successful backup, over that database's backups only. */
  prune(s: Schedule, done: BackupDone): Promise<{ deleted: number }>;
  /** Checks the newest backup; throws when it does not match its manifest. A deep check (a drill) says how long the recovery took. */
  verify(s: Schedule, signal: AbortSignal): Promise<{ key: string; drill?: DrillOutcome | null } | null>;
  /**
   * Claims a scheduled slot on the storage the schedule shares with other schedulers (a lease
   * object, see slot-lease.ts); a lost claim means another scheduler runs the slot. Absent: no
   * coordination (unit tests of the queue).
   */
  claimSlot?(s: Schedule, slot: string, signal: AbortSignal, onLost: (by: LeaseHolder | null) => void): Promise<SlotClaim>;
}

/** What the scheduler needs of a drill: its recovery time against the schedule's target. */
export interface DrillOutcome {
  recoveryMs: number;
  targetMs: number | null;
  overTarget: boolean;
}

export type SchedulerEvent =
  | { type: 'run-started'; schedule: string; slot: string; catchUp: boolean }
  | { type: 'run-finished'; schedule: string; outcome: 'success' | 'failure' | 'cancelled'; key: string | null; error: string | null; attempts: number; partlyCopied?: PartlyCopied | null }
  | { type: 'verify-finished'; schedule: string; ok: boolean; key: string | null; error: string | null }
  /** A drill passed but took longer than the schedule's recovery-time target: a warning. */
  | { type: 'drill-over-target'; schedule: string; key: string; recoveryMs: number; targetMs: number }
  /** Another scheduler sharing the storage holds (or already ran) this slot: not run here, not a failure. */
  | { type: 'slot-taken'; schedule: string; slot: string; holder: string; done: boolean }
  | { type: 'schedule-invalid'; schedule: string; problem: string };

/** How one run ended (what `scheduler run-now` and the app's "Run now" report). */
export interface RunResult {
  schedule: string;
  outcome: 'success' | 'failure' | 'cancelled';
  key: string | null;
  error: string | null;
  attempts: number;
  /** The last attempt's error itself, for callers that rethrow it with its code. */
  cause: unknown;
  /** A success whose backup some copy destinations do not hold. */
  partlyCopied?: PartlyCopied | null;
}

/** A schedule the scheduler cannot run (bad cron expression, unknown time zone): skipped, and said so. */
export interface InvalidSchedule {
  name: string;
  problem: string;
}

export interface SchedulerOptions {
  clock: Clock;
  store: StateStore;
  actions: ScheduleActions;
  log: { append(e: NewActivity): Promise<unknown> };
  /** Called for each finished run: notifications (webhooks, Sentry, the app's desktop notification). */
  onEvent?: (e: SchedulerEvent) => void | Promise<void>;
  /** A slot older than this when noticed counts as missed (default one minute). */
  graceMs?: number;
  /** Longest timer; a timer firing much later than this means the machine slept (default 30 s). */
  maxTimerMs?: number;
  /** Backups running at once (default 2); due runs beyond that wait their turn, in slot order. */
  maxConcurrent?: number;
}

/** A due run, from the moment it is decided until it ends (waiting for a free slot, then running). */
interface InFlight {
  schedule: Schedule;
  slot: string;
  catchUp: boolean;
  /** The schedule's lastSlot before this run claimed its slot: restored if it never starts. */
  previousSlot: string | null;
  started: boolean;
  /** Its wait was logged. */
  noted: boolean;
  release: (start: boolean) => void;
  promise: Promise<void>;
}

const DAY_MS = 86_400_000;

/** The same database+storage (or profile) never runs twice at once, whichever schedules name it. */
export function overlapKey(s: Schedule): string {
  return s.profile ? `profile:${s.profile}` : `target:${s.db ?? ''}→${s.to ?? ''}`;
}

/**
 * Runs backups on their schedules while the process lives (the app's main process, or
 * `lifeboat scheduler run`). Every decision — run, catch up, skip — is written to the activity log.
 */
export class Scheduler {
  private schedules: Schedule[] = [];
  private invalid: InvalidSchedule[] = [];
  private readonly reported = new Map<string, string>();
  private state: SchedulerState = {};
  private timer: unknown = null;
  private stopped = true;
  /** Runs decided and not yet finished, by overlap key: waiting in the queue or running. */
  private readonly inFlight = new Map<string, InFlight>();
  private readonly queue: InFlight[] = [];
  private active = 0;
  private readonly abort = new AbortController();
  private ticking: Promise<void> = Promise.resolve();
  private lastSaveProblem: string | null = null;
  /** Storages already said to ignore create-only writes (said once per process). */
  private readonly laxStorages = new Set<string>();
  private readonly graceMs: number;
  private readonly maxTimerMs: number;
  private readonly maxConcurrent: number;

  constructor(private readonly opts: SchedulerOptions) {
    this.graceMs = opts.graceMs ?? 60_000;
    this.maxTimerMs = opts.maxTimerMs ?? 30_000;
    this.maxConcurrent = Math.max(1, Math.floor(opts.maxConcurrent ?? 2));
  }

  /** Throws STATE_DAMAGED when the scheduler state file cannot be trusted: better no scheduler than one that idles. */
  async start(schedules: readonly Schedule[]): Promise<void> {
    this.state = await this.opts.store.load();
    this.stopped = false;
    await this.setSchedules(schedules);
    await this.tick();
  }

  /** New settings while running (the app's schedule editor); running jobs go on. */
  async reload(schedules: readonly Schedule[]): Promise<void> {
    await this.setSchedules(schedules);
    await this.tick();
  }

  /** The machine woke up (Electron's powerMonitor 'resume'): look for missed slots now. */
  async wake(): Promise<void> {
    await this.tick();
  }

  /** Stops timers, cancels running jobs and waits for them to clean up; waiting runs never start. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.opts.clock.clearTimer(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.ticking;
    for (const waiting of this.queue.splice(0)) waiting.release(false);
    await Promise.allSettled([...this.inFlight.values()].map((r) => r.promise));
  }

  /** Resolves when no job is running or waiting (tests and `scheduler run --until-idle`). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()].map((r) => r.promise));
  }

  isRunning(name: string): boolean {
    return [...this.inFlight.values()].some((r) => r.started && r.schedule.name === name);
  }

  /** How many backups run right now (never more than the limit). */
  runningCount(): number {
    return this.active;
  }

  /** The schedules skipped because they cannot run, with why. */
  invalidSchedules(): readonly InvalidSchedule[] {
    return this.invalid;
  }

  nextRun(name: string): Date | null {
    const s = this.schedules.find((x) => x.name === name);
    return s ? (nextRuns(s, this.opts.clock.now(), 1)[0] ?? null) : null;
  }

  /**
   * Keeps the schedules that can run; one with a bad cron expression or time zone is skipped and
   * reported once (activity log, failure notification) until it changes, while the others run.
   */
  private async setSchedules(schedules: readonly Schedule[]): Promise<void> {
    const valid: Schedule[] = [];
    const invalid: InvalidSchedule[] = [];
    for (const s of schedules) {
      const problem = s.enabled ? timingProblem(s) : null;
      if (problem) invalid.push({ name: s.name, problem });
      else valid.push(s);
    }
    this.schedules = valid;
    this.invalid = invalid;
    for (const name of [...this.reported.keys()]) if (!invalid.some((i) => i.name === name)) this.reported.delete(name);
    for (const i of invalid) await this.reportInvalid(i);
  }

  private async reportInvalid(i: InvalidSchedule): Promise<void> {
    if (this.reported.get(i.name) === i.problem) return;
    this.reported.set(i.name, i.problem);
    const t = this.opts.clock.now().toISOString();
    await this.note({ kind: 'scheduler', outcome: 'failure', profile: i.name, startedAt: t, endedAt: t, bytes: null, storage: null, key: null, summary: `Schedule "${i.name}" is skipped: ${i.problem}; the other schedules keep running`, error: { code: 'BAD_INPUT', message: invalidScheduleMessage(i) }, details: { problem: i.problem } });
    await this.emit({ type: 'schedule-invalid', schedule: i.name, problem: i.problem });
  }

  private tick(): Promise<void> {
    // Ticks never interleave: a wake() during a timer tick waits for it.
    this.ticking = this.ticking.then(() => this.tickNow()).catch(() => undefined);
    return this.ticking;
  }

  private async tickNow(): Promise<void> {
    if (this.stopped) return;
    if (this.timer !== null) this.opts.clock.clearTimer(this.timer);
    this.timer = null;
    const now = this.opts.clock.now();
    let changed = false;
    try {
      changed = await this.handleAll(now);
    } finally {
      // Whatever went wrong in this tick, the next one is armed.
      if (changed) await this.persist();
      this.arm(now);
    }
  }

  private async handleAll(now: Date): Promise<boolean> {
    let changed = false;
    for (const s of [...this.schedules]) {
      if (!s.enabled) continue;
      const st = (this.state[s.name] ??= emptyScheduleState());
      const since = new Date(st.lastSlot ?? s.createdAt);
      let decision: DueDecision;
      try {
        decision = decideDue(s, since, now, this.graceMs);
      } catch (e) {
        // Checked in setSchedules; should croner still refuse it, skip it out loud, not silently.
        this.schedules = this.schedules.filter((x) => x !== s);
        const i = { name: s.name, problem: (e as Error).message };
        this.invalid = [...this.invalid, i];
        await this.reportInvalid(i);
        continue;
      }
      if (decision.action === 'none' || !decision.slot) continue;
      const previousSlot = st.lastSlot;
      st.lastSlot = decision.slot.toISOString();
      changed = true;
      await this.handleDue(s, decision, now, previousSlot);
    }
    // All of this tick's due runs are queued before any starts: the queue, not the order of the
    // schedules in the file, decides who goes first.
    await this.startQueued(now);
    return changed;
  }

  private async handleDue(s: Schedule, d: DueDecision, now: Date, previousSlot: string | null): Promise<void> {
    const slot = d.slot?.toISOString() ?? now.toISOString();
    const base = { profile: s.name, startedAt: now.toISOString(), endedAt: now.toISOString(), bytes: null, storage: s.to, key: null, error: null };
    if (d.action === 'skip-missed') {
      await this.note({ ...base, kind: 'scheduler', outcome: 'skipped', summary: `Missed the run of ${slot} (${d.missed} missed in all); catch-up is off, waiting for the next slot`, details: { slot, missed: d.missed } });
      return;
    }
    const key = overlapKey(s);
    const busy = this.inFlight.get(key);
    if (busy) {
      const what = busy.started ? 'is still going' : 'is still waiting for a free slot';
      await this.note({ ...base, kind: 'scheduler', outcome: 'skipped', summary: `Skipped the run of ${slot}: the previous run of ${busy.schedule.name} ${what}`, details: { slot } });
      return;
    }
    const catchUp = d.action === 'catch-up';
    if (catchUp || d.missed > 0) {
      await this.note({ ...base, kind: 'scheduler', outcome: 'info', summary: catchUp ? `Catching up the missed run of ${slot} once${d.missed > 0 ? ` (and ${d.missed} earlier missed slot(s))` : ''}` : `Running the slot of ${slot}; ${d.missed} earlier slot(s) were missed`, details: { slot, missed: d.missed, catchUp } });
    }
    this.enqueue(key, s, slot, catchUp, previousSlot);
  }

  /** Starts what the limit allows, in slot order, and says which of this tick's runs wait. */
  private async startQueued(now: Date): Promise<void> {
    this.pump();
    for (const run of this.queue) {
      if (run.noted) continue;
      run.noted = true;
      const t = now.toISOString();
      await this.note({ kind: 'scheduler', outcome: 'info', profile: run.schedule.name, startedAt: t, endedAt: t, bytes: null, storage: run.schedule.to, key: null, error: null, summary: `The run of ${run.slot} waits its turn: ${this.active} backup(s) running, at most ${this.maxConcurrent} at once`, details: { slot: run.slot, running: this.active, maxConcurrent: this.maxConcurrent } });
    }
  }

  private enqueue(key: string, s: Schedule, slot: string, catchUp: boolean, previousSlot: string | null): void {
    let release: (start: boolean) => void = () => undefined;
    const go = new Promise<boolean>((resolve) => (release = resolve));
    const run: InFlight = { schedule: s, slot, catchUp, previousSlot, started: false, noted: false, release, promise: Promise.resolve() };
    run.promise = go
      .then(async (start) => {
        if (start) await this.runJob(s, slot, catchUp, true);
        else await this.unclaim(run);
      })
      .catch(() => undefined)
      .finally(() => {
        this.inFlight.delete(key);
        if (run.started) {
          this.active--;
          this.pump();
        }
      });
    this.inFlight.set(key, run);
    // Slot order; runs of one slot in schedule-name order, so the queue is the same on every machine.
    const at = this.queue.findIndex((q) => q.slot > slot || (q.slot === slot && q.schedule.name > s.name));
    this.queue.splice(at < 0 ? this.queue.length : at, 0, run);
  }

  private pump(): void {
    while (!this.stopped && this.active < this.maxConcurrent) {
      const next = this.queue.shift();
      if (!next) return;
      next.started = true;
      this.active++;
      next.release(true);
    }
  }

  /** A run that never started (the scheduler stopped first) gives its slot back: the next start catches it up. */
  private async unclaim(run: InFlight): Promise<void> {
    const st = this.state[run.schedule.name];
    if (st?.lastSlot === run.slot) st.lastSlot = run.previousSlot;
    await this.persist();
    const t = this.opts.clock.now().toISOString();
    await this.note({ kind: 'scheduler', outcome: 'cancelled', profile: run.schedule.name, startedAt: t, endedAt: t, bytes: null, storage: run.schedule.to, key: null, summary: `The run of ${run.slot} was still waiting when the scheduler stopped; it is caught up at the next start`, error: null, details: { slot: run.slot } });
  }

  /**
   * One run of a schedule, now, exactly as its slot would run it (retries, retention, verification
   * when due, state, activity log, notifications): `lifeboat scheduler run-now` and the app's "Run
   * now". Refused while a run for the same database is going or waiting. Runs even when the
   * schedule is disabled or the limit of concurrent backups is reached: a person asked for it.
   */
  async runNow(s: Schedule): Promise<RunResult> {
    const key = overlapKey(s);
    const busy = this.inFlight.get(key);
    if (busy) {
      throw new LifeboatError('BAD_INPUT', `A run of the schedule "${busy.schedule.name}" for the same database ${busy.started ? 'is still going' : 'is waiting for a free slot'}; try again when it has finished.`);
    }
    if (this.stopped) {
      // Not started (the CLI's run-now): only this schedule's state is loaded and saved back, so a
      // running `scheduler run` keeps the others'.
      const stored = await this.opts.store.load();
      this.state = { [s.name]: stored[s.name] ?? emptyScheduleState() };
    }
    const now = this.opts.clock.now().toISOString();
    await this.note({ kind: 'scheduler', outcome: 'info', profile: s.name, startedAt: now, endedAt: now, bytes: null, storage: s.to, key: null, error: null, summary: `Running "${s.name}" now, as asked (not one of its scheduled slots)`, details: { runNow: true } });
    let done: (r: RunResult) => void = () => undefined;
    const result = new Promise<RunResult>((resolve) => (done = resolve));
    const run: InFlight = { schedule: s, slot: now, catchUp: false, previousSlot: null, started: true, noted: true, release: () => undefined, promise: Promise.resolve() };
    this.active++;
    // Not a slot of the schedule: a person asked for this run, so no lease is claimed.
    run.promise = this.runJob(s, now, false, false)
      .then((r) => done(r ?? { schedule: s.name, outcome: 'cancelled', key: null, error: 'not run', attempts: 0, cause: null }), (e: unknown) => done({ schedule: s.name, outcome: outcomeOf(e) === 'cancelled' ? 'cancelled' : 'failure', key: null, error: errorForLog(e).message, attempts: 0, cause: e }))
      .finally(() => {
        this.inFlight.delete(key);
        this.active--;
        this.pump();
      });
    this.inFlight.set(key, run);
    return result;
  }

  /**
   * One run: claims the slot first when `coordinate` (scheduled slots, so that schedulers sharing
   * the storage run it once), then the backup with its retries, retention and verification.
   * Resolves null when another scheduler holds the slot (logged, not a failure).
   */
  private async runJob(s: Schedule, slot: string, catchUp: boolean, coordinate: boolean): Promise<RunResult | null> {
    const signal = this.abort.signal;
    const lease: { held: HeldSlot | null } = { held: null };
    let outcome: RunResult['outcome'] = 'cancelled';
    try {
      const r = await this.attempts(s, slot, catchUp, coordinate, signal, (h) => (lease.held = h));
      if (r) outcome = r.outcome;
      return r;
    } finally {
      // The lease says how the slot ended: a success closes it; a failure or a cancel lets a scheduler catching it up run it.
      await lease.held?.finish(outcome);
    }
  }

  private async attempts(s: Schedule, slot: string, catchUp: boolean, coordinate: boolean, signal: AbortSignal, hold: (h: HeldSlot) => void): Promise<RunResult | null> {
    let started = false;
    let claimed = !coordinate || !this.opts.actions.claimSlot;
    let attempt = 0;
    let lastError: unknown = null;
    let result: BackupDone | null = null;
    while (attempt <= s.retries && !signal.aborted) {
      attempt++;
      try {
        if (!claimed && this.opts.actions.claimSlot) {
          // A storage that cannot be reached to claim the slot fails this attempt, as the backup would.
          const claim = await this.opts.actions.claimSlot(s, slot, signal, (by) => void this.noteLeaseLost(s, slot, by));
          if (!claim.won) {
            await this.noteSlotTaken(s, slot, claim.holder);
            return null;
          }
          claimed = true;
          hold(claim.held);
          await this.noteSlotClaimed(s, slot, claim.held);
        }
        if (!started) {
          started = true;
          await this.emit({ type: 'run-started', schedule: s.name, slot, catchUp });
        }
        result = await this.opts.actions.backup(s, signal, attempt, slot);
        break;
      } catch (e) {
        lastError = e;
        if (outcomeOf(e) === 'cancelled' || signal.aborted || attempt > s.retries) break;
        const delay = s.retryDelaySeconds * 1000 * 2 ** (attempt - 1);
        const t = this.opts.clock.now().toISOString();
        await this.note({ kind: 'scheduler', outcome: 'info', profile: s.name, startedAt: t, endedAt: t, bytes: null, storage: s.to, key: null, summary: `Attempt ${attempt} of ${s.retries + 1} failed; retrying in ${Math.round(delay / 1000)} s`, error: errorForLog(e), details: { slot, attempt } });
        try {
          await sleep(this.opts.clock, delay, signal);
        } catch {
          break;
        }
      }
    }
    const st = (this.state[s.name] ??= emptyScheduleState());
    st.lastRunAt = this.opts.clock.now().toISOString();
    if (!result) {
      const cancelled = signal.aborted || outcomeOf(lastError) === 'cancelled';
      st.lastOutcome = cancelled ? 'cancelled' : 'failure';
      await this.persist();
      const error = lastError ? errorForLog(lastError).message : 'cancelled';
      await this.emit({ type: 'run-finished', schedule: s.name, outcome: st.lastOutcome, key: null, error, attempts: attempt });
      return { schedule: s.name, outcome: st.lastOutcome, key: null, error, attempts: attempt, cause: lastError };
    }
    st.lastOutcome = 'success';
    st.lastSuccessAt = st.lastRunAt;
    await this.persist();
    const partlyCopied = result.partlyCopied ?? null;
    await this.emit({ type: 'run-finished', schedule: s.name, outcome: 'success', key: result.key, error: null, attempts: attempt, ...(partlyCopied ? { partlyCopied } : {}) });
    if (s.retention) {
      // A failed retention pass is logged by the action itself and never undoes the backup.
      await this.opts.actions.prune(s, result).catch(() => undefined);
    }
    await this.verifyIfDue(s, signal);
    return { schedule: s.name, outcome: 'success', key: result.key, error: null, attempts: attempt, cause: null, ...(partlyCopied ? { partlyCopied } : {}) };
  }

  private async noteSlotTaken(s: Schedule, slot: string, holder: LeaseHolder): Promise<void> {
    const t = this.opts.clock.now().toISOString();
    const who = holderName(holder);
    const done = holder.standing === 'done';
    const summary = done ? `Skipped the run of ${slot}: it was already backed up by ${who} (finished ${holder.until})` : `Skipped the run of ${slot}: slot taken by ${who}, which holds it until ${holder.until} and renews it while it runs`;
    await this.note({ kind: 'scheduler', outcome: 'skipped', profile: s.name, startedAt: t, endedAt: t, bytes: null, storage: s.to, key: null, error: null, summary, details: { slot, slotTakenBy: holder.host, holderPid: holder.pid, leaseStanding: holder.standing } });
    (this.state[s.name] ??= emptyScheduleState()).lastTakenElsewhere = { slot, by: who, done, at: t };
    await this.persist();
    await this.emit({ type: 'slot-taken', schedule: s.name, slot, holder: who, done });
  }

  private async noteSlotClaimed(s: Schedule, slot: string, held: HeldSlot): Promise<void> {
    const t = this.opts.clock.now().toISOString();
    const base = { kind: 'scheduler' as const, outcome: 'info' as const, profile: s.name, startedAt: t, endedAt: t, bytes: null, storage: s.to, key: null, error: null };
    if (!held.enforced && !this.laxStorages.has(held.storage)) {
      this.laxStorages.add(held.storage);
      await this.note({ ...base, summary: `${held.storage} ignores create-only writes (If-None-Match), so slot leases there are written, left to settle and read back: best-effort, two schedulers sharing it may on rare occasions both run a slot`, details: { slot, leaseEnforced: false } });
    }
    if (held.tookOver) {
      const why = held.tookOver.standing === 'expired' ? `its lease expired at ${held.tookOver.until} without an outcome (its holder stopped mid-run)` : 'its run failed or was cancelled';
      await this.note({ ...base, summary: `Took over the slot ${slot} from ${holderName(held.tookOver)}: ${why}`, details: { slot, tookOverFrom: held.tookOver.host, holderPid: held.tookOver.pid, leaseStanding: held.tookOver.standing } });
    }
  }

  private async noteLeaseLost(s: Schedule, slot: string, by: LeaseHolder | null): Promise<void> {
    const t = this.opts.clock.now().toISOString();
    const who = by ? holderName(by) : 'another scheduler';
    await this.note({ kind: 'scheduler', outcome: 'info', profile: s.name, startedAt: t, endedAt: t, bytes: null, storage: s.to, key: null, error: null, summary: `The lease on the slot ${slot} could not be renewed in time and ${who} now holds the slot; this run finishes anyway (each backup has its own key, nothing is overwritten)`, details: { slot, leaseLostTo: by?.host ?? null } });
  }

  private async verifyIfDue(s: Schedule, signal: AbortSignal): Promise<void> {
    if (s.verifyEveryDays === null || signal.aborted) return;
    const st = (this.state[s.name] ??= emptyScheduleState());
    const now = this.opts.clock.now();
    if (st.lastVerifyAt && now.getTime() - new Date(st.lastVerifyAt).getTime() < s.verifyEveryDays * DAY_MS) return;
    try {
      const r = await this.opts.actions.verify(s, signal);
      st.lastVerifyAt = now.toISOString();
      await this.emit({ type: 'verify-finished', schedule: s.name, ok: true, key: r?.key ?? null, error: null });
      if (r?.drill?.overTarget && r.drill.targetMs !== null) await this.emit({ type: 'drill-over-target', schedule: s.name, key: r.key, recoveryMs: r.drill.recoveryMs, targetMs: r.drill.targetMs });
    } catch (e) {
      // A failed verification is due again next time, and people hear about it now.
      await this.emit({ type: 'verify-finished', schedule: s.name, ok: false, key: null, error: errorForLog(e).message });
    }
    await this.persist();
  }

  private async persist(): Promise<void> {
    try {
      await this.opts.store.save(this.state);
      this.lastSaveProblem = null;
    } catch (e) {
      // Kept in memory and saved again at the next change; said once, not at every change.
      const error = errorForLog(e);
      if (error.message === this.lastSaveProblem) return;
      this.lastSaveProblem = error.message;
      const t = this.opts.clock.now().toISOString();
      await this.note({ kind: 'scheduler', outcome: 'failure', profile: null, startedAt: t, endedAt: t, bytes: null, storage: null, key: null, summary: 'Could not save the scheduler state; the scheduler goes on with what it holds in memory', error, details: {} });
    }
  }

  /** The activity log must never stop the scheduler (a full disk still lets backups run). */
  private async note(e: NewActivity): Promise<void> {
    try {
      await this.opts.log.append(e);
    } catch {
      /* nothing better to do */
    }
  }

  private async emit(e: SchedulerEvent): Promise<void> {
    try {
      await this.opts.onEvent?.(e);
    } catch {
      /* a notification problem must not break the schedule */
    }
  }

  private arm(now: Date): void {
    if (this.stopped) return;
    let soonest = this.maxTimerMs;
    for (const s of this.schedules) {
      if (!s.enabled) continue;
      try {
        const next = nextRuns(s, now, 1)[0];
        if (next) soonest = Math.min(soonest, Math.max(0, next.getTime() - now.getTime()));
      } catch {
        /* skipped above too */
      }
    }
    // Timers are capped: after a sleep the next tick comes soon and finds the missed slot.
    this.timer = this.opts.clock.setTimer(soonest, () => void this.tick());
  }
}

function holderName(h: LeaseHolder): string {
  return `${h.host}${h.pid !== null ? ` (pid ${h.pid})` : ''}`;
}

export function drillOverTargetText(e: Extract<SchedulerEvent, { type: 'drill-over-target' }>): string {
  return `The restore drill of ${e.key} took ${formatDuration(e.recoveryMs)}, over the schedule's ${durationText(e.targetMs)} recovery-time target; a real recovery would likely take as long. Find what grew (the database, the storage's speed, the drill server's load) or raise the target with \`lifeboat scheduler edit ${e.schedule} --rto …\`.`;
}

export function invalidScheduleMessage(i: InvalidSchedule): string {
  return `The schedule "${i.name}" cannot run: ${i.problem}; fix it (\`lifeboat scheduler add ${i.name} --replace …\` or the app's Schedule screen). The other schedules keep running.`;
}
