// Starts the real browser harness (`node dist/electron/web/main.js`, what `npm run web` runs after
// building) as its own process and reads the one line it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

// From the source tree (tests) or from dist/ (benchmarks): the repository root either way.
const parts = import.meta.dirname.split(`${path.sep}dist${path.sep}`);
const root = parts.length > 1 ? (parts[0] ?? '') : path.resolve(import.meta.dirname, '../../..');
const entry = path.join(root, 'dist', 'electron', 'web', 'main.js');

export interface Harness {
  url: string;
  origin: string;
  stop(): Promise<void>;
}

export async function startHarness(env: NodeJS.ProcessEnv, args: string[] = []): Promise<Harness> {
  const child: ChildProcess = spawn(process.execPath, [entry, '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^Lifeboat is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)\n/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`The harness exited (${code}): ${err}${out}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
