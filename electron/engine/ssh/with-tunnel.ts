import { LifeboatError } from '../errors.js';
import { serverEndpoint, throughLocalPort, type PgConnection } from '../pg/connection.js';
import { formatSshDestination } from './ssh-route.js';
import { openTunnel } from './tunnel.js';

/**
 * Runs `job` with a connection that reaches the database directly: the connection itself when it
 * has no SSH route, otherwise one through a tunnel opened now and closed when the job ends, fails
 * or is cancelled. The one seam every engine operation goes through.
 */
export async function withTunnel<T>(conn: PgConnection, signal: AbortSignal | undefined, env: NodeJS.ProcessEnv, job: (direct: PgConnection) => Promise<T>): Promise<T> {
  if (!conn.ssh) return job(conn);
  const route = conn.ssh;
  const tunnel = await openTunnel(route, serverEndpoint(conn, env), { env, signal });
  try {
    return await job(throughLocalPort(conn, tunnel.localPort, formatSshDestination(route)));
  } catch (e) {
    // "server closed the connection unexpectedly" says less than the SSH server's own reason.
    const reason = tunnel.forwardError();
    if (reason && !(e instanceof LifeboatError && e.code === 'CANCELLED')) throw reason;
    throw e;
  } finally {
    await tunnel.close();
  }
}
