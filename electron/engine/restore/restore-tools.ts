import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { LifeboatError, cancelledError } from '../errors.js';
import { spawnTool, summarizeStderr } from '../jobs/child-process.js';
import { chooseTool, discoverTool, noSuitableToolMessage, type PgToolCandidate, type PgToolName } from '../pg/tool-discovery.js';
import { scrubSecrets } from '../redact.js';

/**
 * A pg_restore (or psql) that can read what the backup's pg_dump wrote: its major must be at least
 * the pg_dump's. When the backup does not say which pg_dump wrote it, the newest installed one.
 */
export async function selectRestoreTool(name: Extract<PgToolName, 'pg_restore' | 'psql'>, dumpMajor: number | null, dumpVersion: string | null, binDir: string | undefined, env: NodeJS.ProcessEnv): Promise<PgToolCandidate> {
  const found = await discoverTool(name, { binDir, env });
  if (dumpMajor === null) {
    const newest = [...found].sort((a, b) => b.major - a.major)[0];
    if (!newest) throw new LifeboatError('PG_TOOL_MISSING', noSuitableToolMessage(name, 'a backup of unknown pg_dump version, major', 0, found), { hint: { kind: 'choose-pg-bin' } });
    return newest;
  }
  const tool = chooseTool(found, dumpMajor, binDir);
  if (!tool) throw new LifeboatError('PG_TOOL_MISSING', noSuitableToolMessage(name, `a backup written by pg_dump ${dumpVersion ?? dumpMajor}, major`, dumpMajor, found), { hint: { kind: 'choose-pg-bin' } });
  return tool;
}

export interface ToolRun {
  tool: PgToolCandidate;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Fed to the tool's stdin; a failing input kills the tool before its stdin is closed. */
  input?: Readable | undefined;
  signal?: AbortSignal | undefined;
  /** For messages: "pg_restore 15.20 failed restoring KEY into "db"". */
  describe: string;
  secrets: readonly (string | null)[];
  /** Collect stdout (pg_restore --list); otherwise it is discarded. */
  captureStdout?: boolean;
  /** What was cancelled, for the cancellation message. */
  what: string;
  /** A better sentence for some failures (a refused meta-command, a lock timeout), from stderr. */
  explainFailure?: ((stderr: string) => LifeboatError | null) | undefined;
  /** Sees the started process (psql's stdout tells Lifeboat how far it got). */
  onChild?: ((child: ChildProcessWithoutNullStreams) => void) | undefined;
}

/**
 * psql's ERROR line names the failing statement's position and PostgreSQL's message; keep it first.
 */
export function toolFailureDetail(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const psqlError = lines.findIndex((l) => /^psql:.*\b(ERROR|FATAL):/.test(l));
  if (psqlError >= 0) return lines.slice(psqlError, psqlError + 3).join(' / ');
  return summarizeStderr(stderr);
}

/**
 * Runs a pg tool to completion. If the input stream fails (integrity, gzip, storage), the tool is
 * killed first — a psql that saw a clean end of input would COMMIT — and the input's error is
 * reported. A tool that fails is reported with its own words.
 */
export async function runRestoreTool(run: ToolRun): Promise<string> {
  const running = spawnTool(run.tool.path, run.args, run.env, { dieWithParent: true });
  const { child } = running;
  child.stdin.on('error', () => undefined);
  run.onChild?.(child);
  let stdout = '';
  if (run.captureStdout) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (stdout += s));
  } else {
    child.stdout.resume();
  }
  const failed: { input: Error | null } = { input: null };
  const onAbort = (): void => {
    child.kill('SIGKILL');
  };
  run.signal?.addEventListener('abort', onAbort, { once: true });
  if (run.signal?.aborted) onAbort();
  // A tool may stop reading early (pg_restore --list after the table of contents, psql after an
  // error): its stdin then breaks (EPIPE), which ends the feeding but is not itself the failure.
  let stdinBroken = false;
  child.stdin.on('error', () => (stdinBroken = true));
  child.stdin.on('close', () => (stdinBroken = true));
  const writable = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        child.stdin.off('drain', done);
        child.stdin.off('error', done);
        child.stdin.off('close', done);
        resolve();
      };
      child.stdin.on('drain', done);
      child.stdin.on('error', done);
      child.stdin.on('close', done);
    });
  const feed = async (): Promise<void> => {
    const input = run.input;
    if (!input) {
      child.stdin.end();
      return;
    }
    try {
      for await (const chunk of input) {
        if (stdinBroken) break;
        if (!child.stdin.write(chunk as Buffer)) await writable();
      }
      if (!stdinBroken) child.stdin.end();
    } catch (e) {
      failed.input = e instanceof Error ? e : new Error(String(e));
      child.kill('SIGKILL');
    } finally {
      input.destroy();
    }
  };
  try {
    await feed();
    const r = await running.exited;
    if (run.signal?.aborted) throw cancelledError(run.what);
    if (failed.input) throw failed.input;
    if (r.spawnError) throw new LifeboatError('PG_TOOL_MISSING', `Could not start ${run.tool.path}: ${r.spawnError.message}.`);
    if (r.code !== 0) {
      const explained = run.explainFailure?.(r.stderr);
      if (explained) throw explained;
      const why = scrubSecrets(toolFailureDetail(r.stderr), run.secrets) || `exit code ${r.code}${r.signal ? `, signal ${r.signal}` : ''}`;
      throw new LifeboatError('PG_RESTORE_FAILED', `${run.describe}: ${why}`);
    }
    return stdout;
  } finally {
    run.signal?.removeEventListener('abort', onAbort);
    running.kill();
  }
}
