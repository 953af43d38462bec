// The desktop app's engine process: an Electron utilityProcess running service-host/engine-process.js.
// The few typed lines that are Electron's own; everything else about the engine process
// (messages, restarts, shutdown) is plain Node in service-host/ and tested with child_process.fork.
import { utilityProcess } from 'electron';
import { ENGINE_ENTRY, type EngineProcess } from '../service-host/message-port.js';
import type { EngineMessage, HostMessage } from '../service-host/service-messages.js';

export function utilityEngine(args: string[]): EngineProcess<EngineMessage, HostMessage> {
  const child = utilityProcess.fork(ENGINE_ENTRY, args, { serviceName: 'Lifeboat engine', stdio: 'inherit' });
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => child.postMessage(m),
    onMessage: (l) => void child.on('message', (m: EngineMessage) => l(m)),
    onExit: (l) => void child.once('exit', (code) => l(code)),
    kill: () => void child.kill(),
  };
}
