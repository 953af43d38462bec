import { LifeboatError } from '../errors.js';
import { summarizeStderr } from '../jobs/child-process.js';
import { scrubSecrets } from '../redact.js';

export interface DumpExit {
  code: number;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface DumpContext {
  toolVersion: string;
  database: string;
  /** host:port, never a secret */
  where: string;
  secrets: readonly (string | null | undefined)[];
}

/** The server ended pg_dump's session: pg_terminate_backend, a restart, a crash, an idle timeout. */
const SERVER_ENDED =
  /terminating connection due to administrator command|server closed the connection unexpectedly|terminating connection due to (?:idle|unexpected postmaster exit)|the database system is shutting down|connection to server .* was lost|SSL SYSCALL error: EOF detected/i;

/**
 * One sentence for a pg_dump that did not exit 0: what happened, that nothing was stored (the
 * caller guarantees that: the upload never completes unless pg_dump exited 0), and what to do.
 */
export function describeDumpFailure(exit: DumpExit, ctx: DumpContext): LifeboatError {
  const on = `database "${ctx.database}" at ${ctx.where}`;
  const stderr = scrubSecrets(exit.stderr, ctx.secrets);
  if (exit.signal) {
    return new LifeboatError(
      'PG_DUMP_FAILED',
      `pg_dump was killed by signal ${exit.signal} while backing up ${on}; nothing was stored. Check what stopped it (the out-of-memory killer, an administrator, a service manager) and run the backup again.`,
    );
  }
  if (SERVER_ENDED.test(stderr)) {
    return new LifeboatError(
      'PG_DUMP_FAILED',
      `The server ended pg_dump's connection while backing up ${on} (${summarizeStderr(stderr)}); nothing was stored. Check the server log for who ended it (pg_terminate_backend, a restart, a timeout) and run the backup again.`,
    );
  }
  if (/invalid snapshot identifier/i.test(stderr)) {
    return new LifeboatError(
      'PG_DUMP_FAILED',
      `pg_dump could not use the backup's snapshot of ${on}: the connection holding it ended before pg_dump started; nothing was stored. Run the backup again.`,
    );
  }
  const why = summarizeStderr(stderr) || `exit code ${exit.code}`;
  return new LifeboatError('PG_DUMP_FAILED', `pg_dump ${ctx.toolVersion} failed on ${on}: ${why}; nothing was stored.`);
}
