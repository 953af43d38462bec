// One small abstraction over the two ways the engine process is connected to its host, which have
// the same message semantics (structured clone, in order): Node's child_process.fork (used by
// `npm run web` and the tests) and Electron's utilityProcess (the desktop app, electron-host.ts).
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MessagePortLike<In, Out> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): void;
}

/** The engine process as the host sees it. */
export interface EngineProcess<In, Out> extends MessagePortLike<In, Out> {
  readonly pid: number | undefined;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

/** The compiled engine entry, beside this file in dist/. */
export const ENGINE_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'engine-process.js');

/**
 * Starts the engine as a Node child process (the same Node that runs the host). `entry` is for
 * tests, which run this file from source but the engine from the build.
 */
export function forkEngine<In, Out>(args: string[], opts: { env?: NodeJS.ProcessEnv; entry?: string } = {}): EngineProcess<In, Out> {
  const child: ChildProcess = fork(opts.entry ?? ENGINE_ENTRY, args, { env: opts.env ?? process.env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => {
      if (child.connected) child.send(m as object);
    },
    onMessage: (l) => void child.on('message', (m) => l(m as In)),
    onExit: (l) => void child.once('exit', (code) => l(code)),
    kill: () => void child.kill('SIGKILL'),
  };
}

/** Electron's utilityProcess gives its child `process.parentPort`; typed here so no electron import is needed. */
interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

/** The engine's side: whichever channel its host opened. */
export function hostPort<In, Out>(): (MessagePortLike<In, Out> & { onHostGone(listener: () => void): void }) | null {
  const parentPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (l) => parentPort.on('message', (e) => l(e.data as In)),
      // Electron ends a utility process with its app.
      onHostGone: () => undefined,
    };
  }
  if (!process.send) return null;
  return {
    send: (m) => {
      if (process.connected) process.send?.(m);
    },
    onMessage: (l) => void process.on('message', (m) => l(m as In)),
    // A host that died while this process was still loading closed the channel before anyone listened.
    onHostGone: (l) => {
      if (!process.connected) setImmediate(l);
      else process.once('disconnect', l);
    },
  };
}
