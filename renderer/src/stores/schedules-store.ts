import { create } from 'zustand';
import type { CallRequest, CallResponse, ScheduleView } from '../../../shared/ipc-contract.js';
import { client, errorMessage } from '../api/client.js';

interface SchedulesState {
  loaded: boolean;
  error: string | null;
  schedules: ScheduleView[];
  /** Scheduled (future) runs per target, ISO times, for the calendar's current window. */
  runs: { targetId: string; at: string }[];
  load: () => Promise<void>;
  loadRuns: (from: Date, to: Date) => Promise<void>;
  replace: (schedules: ScheduleView[]) => void;
  /** Saves one schedule; resolves once the list holds it (so it can be selected at once). */
  save: (request: CallRequest<'schedules.save'>) => Promise<CallResponse<'schedules.save'>>;
  remove: (request: CallRequest<'schedules.remove'>) => Promise<CallResponse<'schedules.remove'>>;
}

let lastWindow: { from: Date; to: Date } | null = null;

export const useSchedules = create<SchedulesState>()((set, get) => ({
  loaded: false,
  error: null,
  schedules: [],
  runs: [],
  async load() {
    try {
      set({ schedules: await client().call('schedules.list', {}), loaded: true, error: null });
    } catch (e) {
      set({ loaded: true, error: errorMessage(e) });
    }
  },
  async loadRuns(from, to) {
    lastWindow = { from, to };
    try {
      const r = await client().call('schedules.calendar', { from: from.toISOString(), to: to.toISOString() });
      set({ runs: r.runs });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
  async save(request) {
    const saved = await client().call('schedules.save', request);
    await get().load();
    return saved;
  },
  async remove(request) {
    // The list follows from the schedules.changed event.
    return client().call('schedules.remove', request);
  },
  replace(schedules) {
    set({ schedules, loaded: true });
    if (lastWindow) void get().loadRuns(lastWindow.from, lastWindow.to);
  },
}));

/** The schedules of one database (it may have several, by name), in the order they are stored. */
export function schedulesOf(schedules: readonly ScheduleView[], targetId: string): ScheduleView[] {
  return schedules.filter((s) => s.targetId === targetId);
}
