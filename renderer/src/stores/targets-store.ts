import { create } from 'zustand';
import type { CallRequest, TargetView } from '../../../shared/ipc-contract.js';
import { client } from '../api/client.js';

interface TargetsState {
  loaded: boolean;
  targets: TargetView[];
  selectedId: string | null;
  error: string | null;
  load: () => Promise<void>;
  save: (input: CallRequest<'targets.save'>) => Promise<TargetView>;
  remove: (id: string) => Promise<void>;
  select: (id: string) => void;
  /** From the `targets.changed` event. */
  replace: (targets: TargetView[]) => void;
}

export const useTargets = create<TargetsState>()((set, get) => ({
  loaded: false,
  targets: [],
  selectedId: null,
  error: null,
  async load() {
    try {
      get().replace(await client().call('targets.list', {}));
    } catch (e) {
      set({ error: e instanceof Error ? e.message : String(e), loaded: true });
    }
  },
  async save(input) {
    const saved = await client().call('targets.save', input);
    const others = get().targets.filter((t) => t.id !== saved.id);
    set({ targets: [...others, saved].sort((a, b) => a.name.localeCompare(b.name)), selectedId: saved.id });
    return saved;
  },
  async remove(id) {
    await client().call('targets.remove', { id });
    get().replace(get().targets.filter((t) => t.id !== id));
  },
  select(id) {
    set({ selectedId: id });
  },
  replace(targets) {
    const sorted = [...targets].sort((a, b) => a.name.localeCompare(b.name));
    const selectedId = sorted.some((t) => t.id === get().selectedId) ? get().selectedId : (sorted[0]?.id ?? null);
    set({ targets: sorted, selectedId, loaded: true, error: null });
  },
}));

export function selectedTarget(s: { targets: TargetView[]; selectedId: string | null }): TargetView | null {
  return s.targets.find((t) => t.id === s.selectedId) ?? null;
}
