import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';

/**
 * A spawned pg tool: argument array, no shell (database names with quotes or spaces pass as they
 * are), stderr kept (bounded) for the error message, and an exit promise that never rejects.
 */
export interface RunningTool {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code (or -1 when killed or failed to start) and the tail of stderr. */
  exited: Promise<{ code: number; signal: NodeJS.Signals | null; stderr: string; spawnError: Error | null }>;
  kill(): void;
}

const STDERR_LIMIT = 64 * 1024;

const SETPRIV = '/usr/bin/setpriv';
let setprivPresent: boolean | null = null;

/**
 * On Linux, a restore's tools get SIGKILL the moment Lifeboat dies (util-linux's setpriv sets the
 * parent-death signal, which survives exec). Only an extra guard: what makes a killed restore
 * change nothing is that Lifeboat writes the COMMIT (see restore/psql-pipe.ts); this just stops an
 * orphaned psql from running the rest of its buffered input for nothing.
 */
function dieWithParent(command: string, args: readonly string[]): [string, readonly string[]] {
  if (process.platform !== 'linux') return [command, args];
  setprivPresent ??= existsSync(SETPRIV);
  return setprivPresent ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
}

const liveChildren = new Set<ChildProcessWithoutNullStreams>();

/** SIGKILLs every tool still running, for a process that must exit now (a second Ctrl-C, clean-up out of time). */
export function killAllTools(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

export function spawnTool(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  /** stdout: a socket the tool writes to instead of a pipe (jobs/borrowed-output.ts); child.stdout is then null. */
  opts: { dieWithParent?: boolean; stdout?: Socket } = {},
): RunningTool {
  const [cmd, argv] = opts.dieWithParent ? dieWithParent(command, args) : [command, args];
  const child = spawn(cmd, argv, { env, shell: false, windowsHide: true, stdio: ['pipe', opts.stdout ?? 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_LIMIT);
  });
  liveChildren.add(child);
  child.on('close', () => liveChildren.delete(child));
  let spawnError: Error | null = null;
  const exited = new Promise<{ code: number; signal: NodeJS.Signals | null; stderr: string; spawnError: Error | null }>((resolve) => {
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stderr, spawnError }));
  });
  return {
    child,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/** The useful part of a tool's stderr: its error lines, or the last lines when none say "error". */
export function summarizeStderr(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /error|fatal|could not|failed/i.test(l));
  return (errors.length > 0 ? errors : lines.slice(-3)).slice(0, 4).join(' / ');
}
