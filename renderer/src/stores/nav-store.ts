import { create } from 'zustand';
import { addMonths, type YearMonth } from '../lib/calendar.js';

export type Screen = 'calendar' | 'backup-now' | 'restore' | 'extract' | 'activity' | 'databases' | 'schedule' | 'log' | 'browse' | 'compare';

interface NavState {
  screen: Screen;
  month: YearMonth;
  selectedDay: string | null;
  calendarView: 'month' | 'list';
  query: string;
  /** True while the first-run guide is shown (set when the app starts with no database). */
  firstRun: boolean;
  /** A backup chosen on the calendar for the restore wizard, partial recovery, Browse or Compare, and for which database. */
  chosen: { targetId: string; key: string } | null;
  /** A table chosen while browsing a backup ("Recover rows…" opens partial recovery with it). */
  chosenTable: string | null;
  openWith: (screen: 'restore' | 'extract' | 'browse' | 'compare', key: string | null, targetId: string, table?: string | null) => void;
  setFirstRun: (on: boolean) => void;
  go: (screen: Screen) => void;
  shiftMonth: (n: number) => void;
  showMonth: (month: YearMonth) => void;
  selectDay: (day: string | null) => void;
  setView: (view: 'month' | 'list') => void;
  setQuery: (q: string) => void;
}

/** The key chosen for this database; a key chosen for another one never carries over. */
export function chosenKeyFor(s: Pick<NavState, 'chosen'>, targetId: string): string | null {
  return s.chosen?.targetId === targetId ? s.chosen.key : null;
}

function thisMonth(): YearMonth {
  const now = new Date();
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() };
}

export const useNav = create<NavState>()((set, get) => ({
  screen: 'calendar',
  month: thisMonth(),
  selectedDay: null,
  calendarView: 'month',
  query: '',
  firstRun: false,
  chosen: null,
  chosenTable: null,
  openWith: (screen, key, targetId, chosenTable = null) => set({ screen, chosen: key ? { targetId, key } : null, chosenTable }),
  setFirstRun: (firstRun) => set({ firstRun }),
  go: (screen) => set({ screen }),
  shiftMonth: (n) => set({ month: addMonths(get().month, n) }),
  showMonth: (month) => set({ month }),
  selectDay: (selectedDay) => set({ selectedDay }),
  setView: (calendarView) => set({ calendarView }),
  setQuery: (query) => set({ query }),
}));
