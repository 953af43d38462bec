import { create } from 'zustand';

export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toast {
  id: number;
  tone: 'ok' | 'warn' | 'error' | 'info';
  title: string;
  text?: string;
  actions: ToastAction[];
}

interface ToastState {
  toasts: Toast[];
  show: (t: Omit<Toast, 'id'>) => number;
  dismiss: (id: number) => void;
}

let next = 1;
/** At most this many at once; older ones make room. */
const MAX = 4;

export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  show(t) {
    const id = next++;
    set({ toasts: [...get().toasts, { ...t, id }].slice(-MAX) });
    return id;
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));
