import path from 'node:path';
import { z } from 'zod';
import { lifeboatHome } from '../paths.js';
import { JsonStateFile } from '../state/json-state-file.js';

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date-time such as 2026-11-30T03:00:00.000Z');

/** What the scheduler remembers between runs of the app or `lifeboat scheduler run`. */
export const scheduleStateSchema = z.object({
  /** The newest slot already handled (run, caught up or skipped). */
  lastSlot: isoTime.nullable().default(null),
  lastRunAt: isoTime.nullable().default(null),
  lastOutcome: z.enum(['success', 'failure', 'cancelled']).nullable().default(null),
  lastSuccessAt: isoTime.nullable().default(null),
  lastVerifyAt: isoTime.nullable().default(null),
  /**
   * The newest slot another scheduler sharing the storage ran (or held) instead of this one: without
   * it, "Last run" would show an older run here and the skip would look like a missed backup.
   */
  lastTakenElsewhere: z.object({ slot: isoTime, by: z.string(), done: z.boolean(), at: isoTime }).nullable().default(null),
});

export const schedulerStateSchema = z.record(z.string(), scheduleStateSchema);

export type ScheduleState = z.infer<typeof scheduleStateSchema>;
export type SchedulerState = Record<string, ScheduleState>;

export interface StateStore {
  /** Throws STATE_DAMAGED when the stored state cannot be trusted. */
  load(): Promise<SchedulerState>;
  /** Saves these schedules' entries; entries of other schedules (another scheduler's) are kept. */
  save(state: SchedulerState): Promise<void>;
}

export function emptyScheduleState(): ScheduleState {
  return { lastSlot: null, lastRunAt: null, lastOutcome: null, lastSuccessAt: null, lastVerifyAt: null, lastTakenElsewhere: null };
}

export function schedulerStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(lifeboatHome(env), 'scheduler-state.json');
}

export function fileStateStore(file: string): StateStore {
  const stateFile = new JsonStateFile({
    file,
    schema: schedulerStateSchema,
    empty: () => ({}),
    what: 'the scheduler state file',
    consequence: 'Moving it aside makes every schedule start afresh from its creation time (missed runs are caught up once).',
  });
  return {
    load: () => stateFile.read(),
    save: (state) =>
      stateFile.update((stored) => {
        for (const [name, s] of Object.entries(state)) stored[name] = s;
      }),
  };
}

export function memoryStateStore(initial: SchedulerState = {}): StateStore & { state: SchedulerState } {
  const box = { state: structuredClone(initial) };
  return {
    get state() {
      return box.state;
    },
    load: () => Promise.resolve(structuredClone(box.state)),
    save: (s) => {
      box.state = { ...box.state, ...structuredClone(s) };
      return Promise.resolve();
    },
  };
}
