import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lifeboatHome } from '../paths.js';

/** What the scheduler remembers between runs of the app or `lifeboat scheduler run`. */
export interface ScheduleState {
  /** The newest slot already handled (run, caught up or skipped). */
  lastSlot: string | null;
  lastRunAt: string | null;
  lastOutcome: 'success' | 'failure' | 'cancelled' | null;
  lastSuccessAt: string | null;
  lastVerifyAt: string | null;
}

export type SchedulerState = Record<string, ScheduleState>;

export interface StateStore {
  load(): Promise<SchedulerState>;
  save(state: SchedulerState): Promise<void>;
}

export function emptyScheduleState(): ScheduleState {
  return { lastSlot: null, lastRunAt: null, lastOutcome: null, lastSuccessAt: null, lastVerifyAt: null };
}

export function schedulerStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(lifeboatHome(env), 'scheduler-state.json');
}

export function fileStateStore(file: string): StateStore {
  return {
    async load() {
      try {
        return JSON.parse(await readFile(file, 'utf8')) as SchedulerState;
      } catch {
        return {};
      }
    },
    async save(state) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, file);
    },
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
      box.state = structuredClone(s);
      return Promise.resolve();
    },
  };
}
