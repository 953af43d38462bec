import { create } from 'zustand';
import type { AppInfo } from '../../../shared/ipc-contract.js';
import { client } from '../api/client.js';

interface AppInfoState {
  info: AppInfo | null;
  error: string | null;
  load: () => Promise<void>;
}

export const useAppInfo = create<AppInfoState>()((set) => ({
  info: null,
  error: null,
  async load() {
    try {
      set({ info: await client().call('app.info', {}), error: null });
    } catch (e) {
      set({ error: e instanceof Error ? e.message : String(e) });
    }
  },
}));
