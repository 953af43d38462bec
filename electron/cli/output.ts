import { formatBytes, formatPercent, formatTimeLeft, isEstimate, type JobProgress } from '../../shared/progress.js';
import { isLifeboatError, toLifeboatError } from '../engine/errors.js';
import { killAllTools } from '../engine/jobs/child-process.js';
import { describeLeftovers } from '../engine/jobs/pending-cleanup.js';
import { scrubSecrets } from '../engine/redact.js';
import { withCliHint } from './hint-text.js';

/** A single self-rewriting progress line on a terminal; nothing when stderr is piped. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): { onProgress: (p: JobProgress) => void; done: () => void } {
  if (!stream.isTTY) return { onProgress: () => undefined, done: () => undefined };
  let shown = false;
  let finished = false;
  return {
    onProgress(p) {
      // The reporter may send the last figures of a burst a moment later; never after the end.
      if (finished) return;
      stream.write(`\r\x1b[K${progressLine(p)}`);
      shown = true;
    },
    done() {
      if (shown && !finished) stream.write('\r\x1b[K');
      finished = true;
    },
  };
}

/**
 * "dumping: 42% · 1.2 GiB of about 2.9 GiB (previous backup) at 35.0 MiB/s · about 1 min left · 36.0s";
 * an estimated total says so, and the time left appears once the smoothed rate can tell it.
 */
export function progressLine(p: JobProgress): string {
  const secs = (p.elapsedMs / 1000).toFixed(1);
  const estimate = isEstimate(p);
  const total = p.totalBytes ? ` of ${estimate ? 'about ' : ''}${formatBytes(p.totalBytes)}${estimate ? ` (${p.totalSource})` : ''}` : '';
  const percent = formatPercent(p);
  const left = p.etaMs !== null && p.etaMs !== undefined ? ` · ${formatTimeLeft(p.etaMs)}` : '';
  return `${p.phase}: ${percent ? `${percent} · ` : ''}${formatBytes(p.bytes)}${total} at ${formatBytes(p.rate)}/s${left} · ${secs}s`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One clear line on stderr; the stack only with --verbose. Exit codes: 1 failure, 130 cancelled. */
export function reportFailure(e: unknown, verbose: boolean): number {
  const err = toLifeboatError(e);
  const msg = withCliHint(err.message, err.hint);
  process.stderr.write(`lifeboat: ${scrubSecrets(msg, [])}\n`);
  if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  if (isLifeboatError(e) && e.code === 'CANCELLED') return 130;
  return 1;
}

/** How long a cancelled command may spend cleaning up before the process exits anyway. */
export const CLEANUP_GRACE_MS = 15_000;

let interrupt: AbortController | null = null;

/**
 * An AbortSignal that fires on Ctrl-C (and SIGTERM), so jobs clean up before the process exits.
 * Clean-up gets CLEANUP_GRACE_MS: a stalled storage endpoint or a hung server must not keep a cron
 * job or a systemd unit alive. Then, or at a second signal, the process exits 130 and says what it
 * may have left behind.
 */
export function interruptSignal(graceMs = CLEANUP_GRACE_MS): AbortSignal {
  if (interrupt) return interrupt.signal;
  const ac = new AbortController();
  interrupt = ac;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) exitNow(`stopped at once (${sig} again)`);
    process.stderr.write(`\nlifeboat: cancelling (${sig}); cleaning up for up to ${Math.round(graceMs / 1000)} s, a second signal stops at once…\n`);
    ac.abort();
    setTimeout(() => exitNow(`clean-up did not finish within ${Math.round(graceMs / 1000)} s`), graceMs);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ac.signal;
}

/** True once Ctrl-C or SIGTERM cancelled the running command. */
export function wasInterrupted(): boolean {
  return interrupt?.signal.aborted ?? false;
}

function exitNow(why: string): never {
  // The tools would otherwise outlive Lifeboat (and a pg_restore could commit after it exited).
  killAllTools();
  const left = describeLeftovers();
  process.stderr.write(`lifeboat: ${why}; exiting${left ? `: ${left}` : ''}.\n`);
  process.exit(130);
}
