import { LifeboatError } from '../errors.js';
import { scrubSecrets } from '../redact.js';
import type { PgConnection } from './connection.js';

interface PgLikeError {
  code?: string;
  message?: string;
  errno?: string;
}

/** Turns a driver error into one sentence that says what happened and what to do. */
export function describePgError(e: unknown, conn: PgConnection, database?: string): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const err = (e ?? {}) as PgLikeError;
  const raw = scrubSecrets(String(err.message ?? e), [conn.password]);
  const where = conn.display;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new LifeboatError('PG_UNREACHABLE', `Cannot connect to PostgreSQL at ${where}: connection refused. Check that the server is running and the host and port are right.`, { cause: e });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new LifeboatError('PG_UNREACHABLE', `Cannot connect to PostgreSQL at ${where}: the host name does not resolve. Check the host in the connection URL.`, { cause: e });
    case 'ETIMEDOUT':
      return new LifeboatError('PG_UNREACHABLE', `Cannot connect to PostgreSQL at ${where}: the connection timed out. Check the host, port and firewall.`, { cause: e });
    case '28P01':
    case '28000':
      return new LifeboatError('PG_AUTH_FAILED', `PostgreSQL at ${where} refused the login: ${raw}. Check the user and password (in the URL, PGPASSWORD or ~/.pgpass).`, { cause: e });
    case '57P01':
    case '57P02':
    case 'ECONNRESET':
    case 'EPIPE':
      return ended(where, raw, e);
    case '57P03':
      return new LifeboatError('PG_UNREACHABLE', `PostgreSQL at ${where} is not accepting connections yet (${raw}); wait until it has started, then try again.`, { cause: e });
    case '3D000':
      return new LifeboatError('PG_DATABASE_MISSING', `Database ${database ? `"${database}" ` : ''}does not exist on ${where}: ${raw}. Check the database name.`, { cause: e });
    default:
      if (/timeout expired|Connection terminated due to connection timeout/i.test(raw)) {
        return new LifeboatError('PG_UNREACHABLE', `Cannot connect to PostgreSQL at ${where}: the connection timed out. Check the host, port and firewall.`, { cause: e });
      }
      if (/Connection terminated unexpectedly|terminating connection|server closed the connection/i.test(raw)) return ended(where, raw, e);
      if (/password authentication failed|no password supplied|SASL/i.test(raw)) {
        return new LifeboatError('PG_AUTH_FAILED', `PostgreSQL at ${where} refused the login: ${raw}. Check the user and password (in the URL, PGPASSWORD or ~/.pgpass).`, { cause: e });
      }
      return new LifeboatError('PG_ERROR', `PostgreSQL at ${where} reported an error: ${raw}`, { cause: e });
  }
}

/** The server ended a session Lifeboat had open: pg_terminate_backend, a restart, a crash. */
function ended(where: string, raw: string, cause: unknown): LifeboatError {
  return new LifeboatError(
    'PG_UNREACHABLE',
    `The connection to PostgreSQL at ${where} was ended by the server (${raw}): an administrator terminated the session, or the server restarted. Check the server, then try again.`,
    { cause },
  );
}
