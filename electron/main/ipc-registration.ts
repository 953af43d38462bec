// One of the two files that touch raw IPC (the other is the preload). Every call arrives on one
// channel, goes to the engine process (which validates it against the contract with zod in
// dispatchCall), and answers with a value;
// every event goes to the app window only, on one channel.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type EventName, type EventPayloads, type IpcResult } from '../../shared/ipc-contract.js';
import type { EventHub } from '../app-service/event-sink.js';
import { acceptIpcFrom, type IpcSenderFacts } from './window-security.js';

/** The one window allowed to call, and the page it must be showing. */
export interface AppWindowRef {
  current(): BrowserWindow | null;
  pageUrl: string;
}

function senderFacts(event: IpcMainInvokeEvent, win: BrowserWindow | null): IpcSenderFacts {
  const frame = event.senderFrame;
  const wc = win && !win.isDestroyed() ? win.webContents : null;
  return {
    fromAppWindow: wc !== null && event.sender === wc,
    isMainFrame: wc !== null && frame !== null && frame === wc.mainFrame,
    url: frame?.url ?? null,
  };
}

export function registerIpc(call: (name: string, request: unknown) => Promise<IpcResult<unknown>>, hub: EventHub, appWindow: AppWindowRef): () => void {
  ipcMain.handle(IPC_CALL_CHANNEL, async (event, name: unknown, request: unknown): Promise<IpcResult<unknown>> => {
    if (!acceptIpcFrom(senderFacts(event, appWindow.current()), appWindow.pageUrl)) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not use Lifeboat.' } };
    }
    if (typeof name !== 'string') return { ok: false, error: { code: 'BAD_REQUEST', message: 'The call name must be a string.' } };
    return call(name, request);
  });
  const removeSink = hub.add(<E extends EventName>(name: E, payload: EventPayloads[E]) => {
    const win = appWindow.current();
    if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, { name, payload });
  });
  return () => {
    ipcMain.removeHandler(IPC_CALL_CHANNEL);
    removeSink();
  };
}
