// An in-memory LifeboatBridge for component tests of UI state: calls answer from a table, events
// are pushed by the test. (The real bridges are tested end to end in Chromium.)
import type { CallName, CallRequest, CallResponse, EventName, EventPayloads, IpcError, IpcResult, LifeboatBridge } from '../../shared/ipc-contract.js';
import type { BackupEntry } from '../../shared/backup-entry.js';
import { createClient } from '../../renderer/src/api/client.js';
import { useAppInfo } from '../../renderer/src/stores/app-info-store.js';
import { useBackups } from '../../renderer/src/stores/backups-store.js';
import { connectStores } from '../../renderer/src/stores/connect-stores.js';
import { useJobs } from '../../renderer/src/stores/jobs-store.js';
import { useNav } from '../../renderer/src/stores/nav-store.js';
import { useTargets } from '../../renderer/src/stores/targets-store.js';
import { useToasts } from '../../renderer/src/components/shell/toast-store.js';

type Handler<K extends CallName> = (req: CallRequest<K>) => CallResponse<K> | { error: IpcError };
export type Handlers = { [K in CallName]?: Handler<K> };

export interface FakeBridge extends LifeboatBridge {
  /** The answers, changeable by a test after connecting. */
  handlers: Handlers;
  calls: { name: CallName; request: unknown }[];
  emit<E extends EventName>(name: E, payload: EventPayloads[E]): void;
}

export function fakeBridge(initial: Handlers): FakeBridge {
  const handlers: Handlers = { ...initial };
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const calls: { name: CallName; request: unknown }[] = [];
  return {
    handlers,
    calls,
    invoke<K extends CallName>(name: K, request: CallRequest<K>): Promise<IpcResult<CallResponse<K>>> {
      calls.push({ name, request });
      const h: Handler<K> | undefined = handlers[name];
      if (!h) return Promise.resolve({ ok: false, error: { code: 'NOT_IMPLEMENTED', message: `No fake for ${name}.` } });
      const r = h(request);
      if (r && typeof r === 'object' && !Array.isArray(r) && Object.keys(r).length === 1 && 'error' in r) return Promise.resolve({ ok: false, error: r.error as IpcError });
      return Promise.resolve({ ok: true, value: r as CallResponse<K> });
    },
    subscribe(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    emit(name, payload) {
      for (const l of listeners.get(name) ?? []) l(payload);
    },
  };
}

export const TARGET = { id: 't1', name: 'shop', dbUrl: 'postgresql://app@db:5432/shop', storageUrl: 's3://backups?endpoint=http://127.0.0.1:9000', hasPassword: false };

export const baseHandlers: Handlers = {
  'app.info': () => ({ version: '0.1.0', platform: 'linux', shell: 'web', defaultStorageUrl: 'file:///home/dba/.local/share/lifeboat/backups' }),
  'targets.list': () => [TARGET],
  'jobs.list': () => ({ running: [], recent: [] }),
  'backups.list': () => ({ targetId: 't1', storage: 's3://backups/database_backups', backups: [], listedAt: '2026-11-25T00:00:00.000Z' }),
  'activity.list': () => [],
};

export function backup(createdAt: string, extra: Partial<BackupEntry> = {}): BackupEntry {
  const d = createdAt.replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return {
    key: `database_backups/${createdAt.slice(0, 4)}/${createdAt.slice(5, 7)}/${createdAt.slice(8, 10)}/shop_${d}.dump`,
    dbName: 'shop',
    createdAt,
    format: 'custom',
    encrypted: false,
    sizeBytes: 123456,
    hasManifest: true,
    label: null,
    pinned: false,
    sha256: 'a'.repeat(64),
    ...extra,
  };
}

/** Fresh stores wired to a fake bridge; returns the bridge and the unsubscribe function. */
export function connectFake(handlers: Handlers): { bridge: FakeBridge; disconnect: () => void } {
  useTargets.setState({ loaded: false, targets: [], selectedId: null, error: null });
  useJobs.setState({ jobs: {}, lastStarted: {} });
  useBackups.setState({ byTarget: {} });
  useAppInfo.setState({ info: null, error: null });
  useToasts.setState({ toasts: [] });
  useNav.setState({ screen: 'calendar', month: { year: 2026, month: 10 }, selectedDay: null, calendarView: 'month', query: '', firstRun: false, chosen: null, chosenTable: null });
  const bridge = fakeBridge({ ...baseHandlers, ...handlers });
  const disconnect = connectStores(createClient(bridge));
  return { bridge, disconnect };
}
