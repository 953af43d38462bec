// One of the two files that touch raw IPC (the other is the preload). Every call arrives on one
// channel, is validated against the contract (zod) by dispatchCall, and answers with a value;
// every event goes to every window on one channel.
import { ipcMain, webContents, type IpcMainInvokeEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type EventName, type EventPayloads, type IpcResult } from '../../shared/ipc-contract.js';
import type { AppService } from '../app-service/app-service.js';
import { dispatchCall } from '../app-service/dispatch.js';
import type { EventHub } from '../app-service/event-sink.js';

/** Only our own page may call: a frame from anywhere else (it should never exist) is refused. */
function fromOurPage(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  return url.startsWith('file://');
}

export function registerIpc(service: AppService, hub: EventHub): () => void {
  ipcMain.handle(IPC_CALL_CHANNEL, async (event, name: unknown, request: unknown): Promise<IpcResult<unknown>> => {
    if (!fromOurPage(event)) return { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not use Lifeboat.' } };
    if (typeof name !== 'string') return { ok: false, error: { code: 'BAD_REQUEST', message: 'The call name must be a string.' } };
    return dispatchCall(service, name, request);
  });
  const removeSink = hub.add(<E extends EventName>(name: E, payload: EventPayloads[E]) => {
    for (const wc of webContents.getAllWebContents()) {
      if (!wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, { name, payload });
    }
  });
  return () => {
    ipcMain.removeHandler(IPC_CALL_CHANNEL);
    removeSink();
  };
}
