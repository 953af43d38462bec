// The messages between the process that shows the UI (Electron's main process, or `npm run web`)
// and the process that runs the engine (an Electron utilityProcess, or a Node child process).
// Calls and events are the contract's own (shared/ipc-contract.ts); the rest is lifecycle and the
// few things only the host can do (desktop notifications, the OS's open-at-login setting).
import type { EventName, IpcResult } from '../../shared/ipc-contract.js';
import type { LifeboatNotification } from '../../shared/notification.js';

/** Host → engine. */
export type HostMessage =
  | { type: 'call'; id: number; name: string; request: unknown }
  /** The answer to one of the engine's questions (see EngineMessage 'ask'). */
  | { type: 'answer'; id: number; value: unknown }
  | { type: 'wake' }
  | { type: 'shutdown' };

/** What the engine may ask the host: the open-at-login setting lives in Electron's main process. */
export type HostQuestion = { question: 'loginItem.get' } | { question: 'loginItem.set'; openAtLogin: boolean };

/** Engine → host. */
export type EngineMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: IpcResult<unknown> }
  | { type: 'event'; name: EventName; payload: unknown }
  | { type: 'notify'; notification: LifeboatNotification }
  | ({ type: 'ask'; id: number } & HostQuestion)
  /** Shutdown finished: running jobs were cancelled and cleaned up. */
  | { type: 'stopped' };

/** How the engine process is started: what the host offers it. */
export interface EngineOptions {
  shell: 'electron' | 'web';
  pgBinDir?: string | undefined;
  /** The host shows desktop notifications (Electron). */
  notifications: boolean;
  /** The host can read and change the open-at-login setting (Electron). */
  loginItem: boolean;
}

export function engineArgs(o: EngineOptions): string[] {
  return ['--shell', o.shell, ...(o.pgBinDir ? ['--pg-bin', o.pgBinDir] : []), ...(o.notifications ? ['--notifications'] : []), ...(o.loginItem ? ['--login-item'] : [])];
}
