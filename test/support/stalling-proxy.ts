// A real HTTP proxy in front of the S3 server that holds chosen requests forever (until closed),
// so a backup sits mid-upload for as long as a test needs to cancel it: no timing, no sleeps.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StallingProxy {
  endpoint: string;
  /** Requests currently held. */
  held(): number;
  close(): Promise<void>;
}

export async function startStallingProxy(upstream: string, shouldStall: (req: http.IncomingMessage) => boolean): Promise<StallingProxy> {
  const target = new URL(upstream);
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    if (shouldStall(req)) {
      held.add(res);
      req.resume(); // read and discard the body, answer never
      res.on('close', () => held.delete(res));
      return;
    }
    const out = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held.size,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
