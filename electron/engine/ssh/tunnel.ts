// A local port forwarded through an SSH server to the database as the SSH server sees it. It
// listens on 127.0.0.1 only, on a port the kernel picks, and lives exactly as long as the job that
// opened it: close() ends the listener, every forwarded connection and the SSH session.
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import type { ClientChannel } from 'ssh2';
import { ssh2 } from './ssh2-lib.js';
import { LifeboatError, cancelledError } from '../errors.js';
import { checkKnownHosts, fingerprintOf, hostKeyRefused } from './host-key.js';
import { formatSshDestination, type SshRoute } from './ssh-route.js';

/** Where the SSH server connects on the tunnel's behalf: TCP host:port, or a unix socket path on that server. */
export type TunnelEnd = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export interface Tunnel {
  localPort: number;
  /** Why the SSH server could not reach the database, when it said so (for the job's error). */
  forwardError(): Error | null;
  close(): Promise<void>;
}

export interface TunnelOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  /** How long the SSH handshake and login may take (default 20 s). */
  readyTimeoutMs?: number;
}

async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new LifeboatError('BAD_INPUT', `Could not read the known_hosts file ${file} (${(e as Error).message}); give a readable known_hosts file, or pin the server's host key fingerprint instead.`);
  }
}

function describeEnd(end: TunnelEnd): string {
  return end.kind === 'tcp' ? `${end.host}:${end.port}` : end.path;
}

/** ssh2's errors, as one sentence a user can act on. */
function connectError(e: Error & { level?: string; code?: string }, server: string, route: SshRoute): LifeboatError {
  if (e.level === 'client-authentication') {
    const how = route.auth.kind === 'agent' ? 'none of the keys in your SSH agent' : 'the private key stored for this profile';
    return new LifeboatError('SSH_AUTH_FAILED', `The SSH server ${server} refused to log in ${route.user} with ${how}; add the matching public key to ~${route.user}/.ssh/authorized_keys on the server, or give the right private key.`, { cause: e });
  }
  if (e.level === 'client-timeout') {
    return new LifeboatError('SSH_UNREACHABLE', `The SSH server ${server} did not complete the SSH handshake in time; check the host and port, and that it is an SSH server.`, { cause: e });
  }
  const code = e.code ? ` (${e.code})` : '';
  return new LifeboatError('SSH_UNREACHABLE', `Could not reach the SSH server ${server}${code}: ${e.message}; check the SSH server's host and port, and that it is running.`, { cause: e });
}

/** Opens the SSH session (checking the host key first) and the local listener. */
export async function openTunnel(route: SshRoute, end: TunnelEnd, opts: TunnelOptions = {}): Promise<Tunnel> {
  const env = opts.env ?? process.env;
  const server = formatSshDestination(route);
  if (opts.signal?.aborted) throw cancelledError('The job');
  const knownHosts = route.hostCheck.kind === 'known-hosts' ? await readKnownHosts(route.hostCheck.file) : '';
  if (route.auth.kind === 'agent' && !env.SSH_AUTH_SOCK) {
    throw new LifeboatError('SSH_AUTH_FAILED', `No SSH agent is running here (SSH_AUTH_SOCK is not set), so Lifeboat cannot log in to ${server}; start one and add your key (eval "$(ssh-agent)"; ssh-add), or keep a private key in the keychain instead.`);
  }

  const client = new (ssh2().Client)();
  let refused: LifeboatError | null = null;
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      client.end();
      reject(cancelledError('The job'));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    client.once('error', (e: Error & { level?: string; code?: string }) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(refused ?? connectError(e, server, route));
    });
    client.connect({
      host: route.host,
      port: route.port,
      username: route.user,
      ...(route.auth.kind === 'key' ? { privateKey: route.auth.privateKey() } : { agent: env.SSH_AUTH_SOCK }),
      readyTimeout: opts.readyTimeoutMs ?? 20_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      // Called with the raw host key blob before any credential is sent.
      hostVerifier: (key: Buffer): boolean => {
        const check = route.hostCheck;
        if (check.kind === 'fingerprint') {
          if (fingerprintOf(key) === check.fingerprint) return true;
          refused = hostKeyRefused('mismatch', server, key, `fingerprint ${check.fingerprint}`);
          return false;
        }
        const verdict = checkKnownHosts(knownHosts, route.host, route.port, key);
        if (verdict.ok) return true;
        refused = hostKeyRefused(verdict.reason, server, key, check.file);
        return false;
      },
    });
  }).catch(async (e: unknown) => {
    client.end();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]);
    throw e;
  });

  let forwardError: Error | null = null;
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const onChannel = (err: Error | undefined, channel: ClientChannel): void => {
      if (err) {
        forwardError = new LifeboatError('SSH_FORWARD_FAILED', `The SSH server ${server} could not connect to the database at ${describeEnd(end)} (${err.message}); check the database host and port as the SSH server sees them, and that the server allows forwarding (AllowTcpForwarding${end.kind === 'unix' ? ', AllowStreamLocalForwarding' : ''}).`, { cause: err });
        socket.destroy();
        return;
      }
      channel.on('error', () => socket.destroy());
      socket.pipe(channel).pipe(socket);
      socket.once('close', () => channel.close());
    };
    if (end.kind === 'tcp') client.forwardOut('127.0.0.1', socket.remotePort ?? 0, end.host, end.port, onChannel);
    else client.openssh_forwardOutStreamLocal(end.path, onChannel);
  });
  // The SSH session ending (server gone, network cut) ends every forwarded connection at once.
  client.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  client.on('error', () => undefined); // after 'ready' a failure shows as 'close' and the job's own error
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => resolve());
  }).catch(async (e: unknown) => {
    client.end();
    await closed;
    throw e;
  });
  const address = listener.address() as net.AddressInfo;

  let closing: Promise<void> | null = null;
  return {
    localPort: address.port,
    forwardError: () => forwardError,
    close: () => {
      closing ??= (async () => {
        const listenerClosed = new Promise<void>((resolve) => listener.close(() => resolve()));
        for (const s of sockets) s.destroy();
        client.end();
        await Promise.all([listenerClosed, closed]);
      })();
      return closing;
    },
  };
}
