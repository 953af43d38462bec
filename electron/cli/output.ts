import { formatBytes, type JobProgress } from '../../shared/progress.js';
import { isLifeboatError } from '../engine/errors.js';
import { scrubSecrets } from '../engine/redact.js';

/** A single self-rewriting progress line on a terminal; nothing when stderr is piped. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): { onProgress: (p: JobProgress) => void; done: () => void } {
  if (!stream.isTTY) return { onProgress: () => undefined, done: () => undefined };
  let shown = false;
  let finished = false;
  return {
    onProgress(p) {
      // The reporter may send the last figures of a burst a moment later; never after the end.
      if (finished) return;
      const secs = (p.elapsedMs / 1000).toFixed(1);
      const total = p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : '';
      stream.write(`\r\x1b[K${p.phase}: ${formatBytes(p.bytes)}${total} at ${formatBytes(p.rate)}/s, ${secs}s`);
      shown = true;
    },
    done() {
      if (shown && !finished) stream.write('\r\x1b[K');
      finished = true;
    },
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One clear line on stderr; the stack only with --verbose. Exit codes: 1 failure, 130 cancelled. */
export function reportFailure(e: unknown, verbose: boolean): number {
  const msg = isLifeboatError(e) ? e.message : `Unexpected error: ${e instanceof Error ? e.message : String(e)}`;
  process.stderr.write(`lifeboat: ${scrubSecrets(msg, [])}\n`);
  if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  if (isLifeboatError(e) && e.code === 'CANCELLED') return 130;
  return 1;
}

/** An AbortSignal that fires on Ctrl-C (and SIGTERM), so jobs clean up before the process exits. */
export function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  const onSignal = (): void => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\nlifeboat: cancelling…\n');
    ac.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return ac.signal;
}
