import type { Schedule } from '../../../shared/schedule.js';
import { decideDue, nextRuns, type DueDecision } from '../../../shared/schedule-slots.js';
import { errorForLog, outcomeOf, type NewActivity } from '../activity/activity-log.js';
import { sleep, type Clock } from './clock.js';
import { emptyScheduleState, type SchedulerState, type StateStore } from './scheduler-state.js';

export interface BackupDone {
  key: string;
  sizeBytes: number;
  /** The database's real name, so the retention pass touches only its backups. */
  dbName: string;
}

/** The work a schedule does; the real ones call the engine, unit tests pass recorders. */
export interface ScheduleActions {
  backup(s: Schedule, signal: AbortSignal, attempt: number): Promise<BackupDone>;
  /** The retention pass after a successful backup, over that database's backups only. */
  prune(s: Schedule, done: BackupDone): Promise<{ deleted: number }>;
  /** Checks the newest backup; throws when it does not match its manifest. */
  verify(s: Schedule, signal: AbortSignal): Promise<{ key: string } | null>;
}

export type SchedulerEvent =
  | { type: 'run-started'; schedule: string; slot: string; catchUp: boolean }
  | { type: 'run-finished'; schedule: string; outcome: 'success' | 'failure' | 'cancelled'; key: string | null; error: string | null; attempts: number }
  | { type: 'verify-finished'; schedule: string; ok: boolean; key: string | null; error: string | null };

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
  private state: SchedulerState = {};
  private timer: unknown = null;
  private stopped = true;
  private readonly running = new Map<string, { schedule: string; promise: Promise<void> }>();
  private readonly abort = new AbortController();
  private ticking: Promise<void> = Promise.resolve();
  private readonly graceMs: number;
  private readonly maxTimerMs: number;

  constructor(private readonly opts: SchedulerOptions) {
    this.graceMs = opts.graceMs ?? 60_000;
    this.maxTimerMs = opts.maxTimerMs ?? 30_000;
  }

  async start(schedules: readonly Schedule[]): Promise<void> {
    this.schedules = [...schedules];
    this.state = await this.opts.store.load();
    this.stopped = false;
    await this.tick();
  }

  /** New settings while running (the app's schedule editor); running jobs go on. */
  async reload(schedules: readonly Schedule[]): Promise<void> {
    this.schedules = [...schedules];
    await this.tick();
  }

  /** The machine woke up (Electron's powerMonitor 'resume'): look for missed slots now. */
  async wake(): Promise<void> {
    await this.tick();
  }

  /** Stops timers, cancels running jobs and waits for them to clean up. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.opts.clock.clearTimer(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.ticking;
    await Promise.allSettled([...this.running.values()].map((r) => r.promise));
  }

  /** Resolves when no job is running (tests and `scheduler run --until-idle`). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((r) => r.promise));
  }

  isRunning(name: string): boolean {
    return [...this.running.values()].some((r) => r.schedule === name);
  }

  nextRun(name: string): Date | null {
    const s = this.schedules.find((x) => x.name === name);
    return s ? (nextRuns(s, this.opts.clock.now(), 1)[0] ?? null) : null;
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
      if (changed) await this.opts.store.save(this.state).catch(() => undefined);
      this.arm(now);
    }
  }

  private async handleAll(now: Date): Promise<boolean> {
    let changed = false;
    for (const s of this.schedules) {
      if (!s.enabled) continue;
      const st = (this.state[s.name] ??= emptyScheduleState());
      const since = new Date(st.lastSlot ?? s.createdAt);
      let decision: DueDecision;
      try {
        decision = decideDue(s, since, now, this.graceMs);
      } catch {
        continue; // validated on save; a bad one must not stop the others
      }
      if (decision.action === 'none' || !decision.slot) continue;
      st.lastSlot = decision.slot.toISOString();
      changed = true;
      await this.handleDue(s, decision, now);
    }
    return changed;
  }

  private async handleDue(s: Schedule, d: DueDecision, now: Date): Promise<void> {
    const slot = d.slot?.toISOString() ?? now.toISOString();
    const base = { profile: s.name, startedAt: now.toISOString(), endedAt: now.toISOString(), bytes: null, storage: s.to, key: null, error: null };
    if (d.action === 'skip-missed') {
      await this.note({ ...base, kind: 'scheduler', outcome: 'skipped', summary: `Missed the run of ${slot} (${d.missed} missed in all); catch-up is off, waiting for the next slot`, details: { slot, missed: d.missed } });
      return;
    }
    const key = overlapKey(s);
    if (this.running.has(key)) {
      await this.note({ ...base, kind: 'scheduler', outcome: 'skipped', summary: `Skipped the run of ${slot}: the previous run of ${this.running.get(key)?.schedule ?? s.name} is still going`, details: { slot } });
      return;
    }
    const catchUp = d.action === 'catch-up';
    if (catchUp || d.missed > 0) {
      await this.note({ ...base, kind: 'scheduler', outcome: 'info', summary: catchUp ? `Catching up the missed run of ${slot} once${d.missed > 0 ? ` (and ${d.missed} earlier missed slot(s))` : ''}` : `Running the slot of ${slot}; ${d.missed} earlier slot(s) were missed`, details: { slot, missed: d.missed, catchUp } });
    }
    const promise = this.runJob(s, slot, catchUp)
      .catch(() => undefined)
      .finally(() => this.running.delete(key));
    this.running.set(key, { schedule: s.name, promise });
  }

  private async runJob(s: Schedule, slot: string, catchUp: boolean): Promise<void> {
    const signal = this.abort.signal;
    await this.emit({ type: 'run-started', schedule: s.name, slot, catchUp });
    let attempt = 0;
    let lastError: unknown = null;
    let result: BackupDone | null = null;
    while (attempt <= s.retries && !signal.aborted) {
      attempt++;
      try {
        result = await this.opts.actions.backup(s, signal, attempt);
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
      await this.emit({ type: 'run-finished', schedule: s.name, outcome: st.lastOutcome, key: null, error: lastError ? errorForLog(lastError).message : 'cancelled', attempts: attempt });
      return;
    }
    st.lastOutcome = 'success';
    st.lastSuccessAt = st.lastRunAt;
    await this.persist();
    await this.emit({ type: 'run-finished', schedule: s.name, outcome: 'success', key: result.key, error: null, attempts: attempt });
    if (s.retention) {
      // A failed retention pass is logged by the action itself and never undoes the backup.
      await this.opts.actions.prune(s, result).catch(() => undefined);
    }
    await this.verifyIfDue(s, signal);
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
    } catch (e) {
      // A failed verification is due again next time, and people hear about it now.
      await this.emit({ type: 'verify-finished', schedule: s.name, ok: false, key: null, error: errorForLog(e).message });
    }
    await this.persist();
  }

  private async persist(): Promise<void> {
    try {
      await this.opts.store.save(this.state);
    } catch {
      /* kept in memory; saved again at the next change */
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
