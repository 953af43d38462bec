// The other file that touches raw IPC. The preload is sandboxed (CommonJS, only `electron`
// available), so it imports the contract's types only and repeats the two channel names, checked
// against the contract by their types. It exposes exactly one object, `window.lifeboat`.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload must be CommonJS
import electron = require('electron');
import type { EventEnvelope, EventName, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IpcResult, LifeboatBridge } from '../../shared/ipc-contract.js';

const CALL_CHANNEL = 'lifeboat:call' satisfies typeof IPC_CALL_CHANNEL;
const EVENT_CHANNEL = 'lifeboat:event' satisfies typeof IPC_EVENT_CHANNEL;

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

electron.ipcRenderer.on(EVENT_CHANNEL, (_event, envelope: EventEnvelope) => {
  for (const l of listeners.get(envelope.name) ?? []) l(envelope.payload);
});

const lifeboat = {
  invoke(name, request) {
    return electron.ipcRenderer.invoke(CALL_CHANNEL, name, request) as Promise<IpcResult<never>>;
  },
  subscribe(name, listener) {
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
  // Restore a file from disk: the path of a file chosen or dropped in the window (not IPC).
  localFilePath(file) {
    return electron.webUtils.getPathForFile(file as Parameters<typeof electron.webUtils.getPathForFile>[0]);
  },
} satisfies LifeboatBridge;

electron.contextBridge.exposeInMainWorld('lifeboat', lifeboat);
