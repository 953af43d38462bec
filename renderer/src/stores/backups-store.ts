import { create } from 'zustand';
import type { BackupEntry } from '../../../shared/backup-entry.js';
import { client } from '../api/client.js';
import { groupByDay } from '../lib/calendar.js';

export interface TargetBackups {
  loading: boolean;
  error: string | null;
  storage: string | null;
  entries: BackupEntry[];
  byDay: Map<string, BackupEntry[]>;
  listedAt: string | null;
  /** "1 incomplete upload from an interrupted backup…", or null. */
  interrupted: string | null;
  /** Set when the storage could not be read and the backups shown are those a copy holds: which, and why. */
  fromCopy: string | null;
}

const EMPTY: TargetBackups = { loading: false, error: null, storage: null, entries: [], byDay: new Map(), listedAt: null, interrupted: null, fromCopy: null };

interface BackupsState {
  byTarget: Record<string, TargetBackups>;
  load: (targetId: string) => Promise<void>;
}

export const useBackups = create<BackupsState>()((set, get) => ({
  byTarget: {},
  async load(targetId) {
    const prev = get().byTarget[targetId] ?? EMPTY;
    set({ byTarget: { ...get().byTarget, [targetId]: { ...prev, loading: true, error: null } } });
    try {
      const r = await client().call('backups.list', { targetId });
      set({
        byTarget: {
          ...get().byTarget,
          [targetId]: { loading: false, error: null, storage: r.storage, entries: r.backups, byDay: groupByDay(r.backups), listedAt: r.listedAt, interrupted: r.interruptedSummary ?? null, fromCopy: r.fromCopy ?? null },
        },
      });
    } catch (e) {
      set({ byTarget: { ...get().byTarget, [targetId]: { ...prev, loading: false, error: e instanceof Error ? e.message : String(e) } } });
    }
  },
}));

export function backupsOf(state: BackupsState, targetId: string | null): TargetBackups {
  return (targetId && state.byTarget[targetId]) || EMPTY;
}
