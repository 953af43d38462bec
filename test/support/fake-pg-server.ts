// A PostgreSQL server that only asks for a cleartext password and records what it is sent: the
// probe for "a stored password only ever goes to the host it was saved for". It speaks just enough
// of the protocol (SSLRequest → 'N', StartupMessage → AuthenticationCleartextPassword).
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FakePgServer {
  port: number;
  /** Every connection's startup user and, when one was sent, the password. */
  connections: { user: string | null; password: string | null }[];
  /** Everything received, as text (to search for secrets). */
  received(): string;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;

export async function startFakePgServer(): Promise<FakePgServer> {
  const connections: FakePgServer['connections'] = [];
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const record: { user: string | null; password: string | null } = { user: null, password: null };
    connections.push(record);
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!started) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          const body = buf.subarray(8, len);
          buf = buf.subarray(len);
          if (code === SSL_REQUEST) {
            socket.write('N');
            continue;
          }
          started = true;
          const parts = body.toString('utf8').split('\0');
          const i = parts.indexOf('user');
          record.user = i >= 0 ? (parts[i + 1] ?? null) : null;
          const auth = Buffer.alloc(9);
          auth.write('R', 0);
          auth.writeInt32BE(8, 1);
          auth.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          socket.write(auth);
          continue;
        }
        if (buf.length < 5) return;
        const type = String.fromCharCode(buf[0] ?? 0);
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) return;
        const body = buf.subarray(5, 1 + len);
        buf = buf.subarray(1 + len);
        if (type === 'p') {
          record.password = body.toString('utf8').replace(/\0$/, '');
          // "password authentication failed" (28P01), then hang up.
          const fields = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed\0\0', 'utf8');
          const err = Buffer.alloc(5);
          err.write('E', 0);
          err.writeInt32BE(4 + fields.length, 1);
          socket.end(Buffer.concat([err, fields]));
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    received: () => Buffer.concat(chunks).toString('latin1'),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
