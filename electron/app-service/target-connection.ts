// A saved database's connection as the engine takes it: the password in memory only, and its SSH
// route when it has one (every engine operation then opens a tunnel for exactly its own duration).
import { parsePgConnection, throughLocalPort, type PgConnection } from '../engine/pg/connection.js';
import { formatSshDestination } from '../engine/ssh/ssh-route.js';
import type { ResolvedTarget } from './target-repository.js';

/** The URL with the password put back, in memory only: the engine splits it off again at once. */
export function withPassword(dbUrl: string, password: string | null | undefined): string {
  if (!password) return dbUrl;
  const u = new URL(dbUrl);
  u.password = encodeURIComponent(password);
  return u.toString();
}

export function connectionOf(t: ResolvedTarget, env: NodeJS.ProcessEnv): PgConnection {
  return { ...parsePgConnection(withPassword(t.dbUrl, t.password), env), ssh: t.ssh ?? null };
}

/**
 * How the engine names the server once connected: through a tunnel it is "host:port through SSH
 * user@bastion", which is also what temporary databases made there are recorded under.
 */
export function connectedDisplay(conn: PgConnection): string {
  return conn.ssh ? throughLocalPort(conn, 0, formatSshDestination(conn.ssh)).display : conn.display;
}
