// The engine process: runs the app service (all of the engine) away from the process that shows
// the UI, so hashing, encryption and compression over gigabytes never stall the window, the tray
// or IPC. Started by the host (remote-service.ts) as an Electron utilityProcess or a Node child
// process; it answers the contract's calls, forwards its events, and ends when the host asks or
// goes away — cancelling running jobs first, so they clean up after themselves.
import { parseArgs } from 'node:util';
import { createAppService } from '../app-service/app-service.js';
import { dispatchCall } from '../app-service/dispatch.js';
import { hostPort } from './message-port.js';
import type { EngineMessage, HostMessage, HostQuestion } from './service-messages.js';

const port = hostPort<HostMessage, EngineMessage>();
if (!port) {
  process.stderr.write('The engine process is started by the Lifeboat app (npm start or npm run web), not on its own.\n');
  process.exit(2);
}

const { values } = parseArgs({
  options: { shell: { type: 'string' }, 'pg-bin': { type: 'string' }, notifications: { type: 'boolean' }, 'login-item': { type: 'boolean' } },
});

let nextQuestion = 1;
const questions = new Map<number, (value: unknown) => void>();
function ask(q: HostQuestion): Promise<unknown> {
  const id = nextQuestion++;
  return new Promise((resolve) => {
    questions.set(id, resolve);
    port!.send({ type: 'ask', id, ...q });
  });
}

const service = createAppService({
  shell: values.shell === 'electron' ? 'electron' : 'web',
  pgBinDir: values['pg-bin'],
  emit: (name, payload) => port.send({ type: 'event', name, payload }),
  notifyDesktop: values.notifications ? (notification) => port.send({ type: 'notify', notification }) : undefined,
  loginItem: values['login-item']
    ? {
        get: async () => (await ask({ question: 'loginItem.get' })) === true,
        set: async (openAtLogin) => void (await ask({ question: 'loginItem.set', openAtLogin })),
      }
    : undefined,
});

let stopping: Promise<void> | null = null;
function stop(): Promise<void> {
  stopping ??= service.shutdown().finally(() => {
    port!.send({ type: 'stopped' });
    // Let the last message leave before the process ends.
    setTimeout(() => process.exit(0), 50);
  });
  return stopping;
}

port.onMessage((m) => {
  switch (m.type) {
    case 'call':
      void dispatchCall(service, m.name, m.request).then((result) => port.send({ type: 'result', id: m.id, result }));
      break;
    case 'answer':
      questions.get(m.id)?.(m.value);
      questions.delete(m.id);
      break;
    case 'wake':
      void service.wake().catch(() => undefined);
      break;
    case 'shutdown':
      void stop();
      break;
  }
});
port.onHostGone(() => void stop());
// The host decides when the engine ends; a terminal's Ctrl+C reaches the whole group, so the
// engine shuts down cleanly on it too rather than dying mid-job.
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
port.send({ type: 'ready' });
