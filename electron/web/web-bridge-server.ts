// The browser harness's server: the same contract as Electron's IPC, over loopback HTTP.
//   POST /api/call/<name>   body: the request as JSON, header x-lifeboat-token  → IpcResult as JSON
//   GET  /api/events?token= Server-Sent Events, one `data:` line per EventEnvelope
//   GET  /…                 the built renderer (dist/renderer)
// For development and tests only; it is not part of the packaged app.
import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { EventEnvelope, IpcResult } from '../../shared/ipc-contract.js';
import type { EventHub } from '../app-service/event-sink.js';
import { CONTENT_SECURITY_POLICY } from '../main/window-security.js';

const MAX_BODY = 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

export interface WebBridgeOptions {
  /** Answers one call of the contract (the engine process, or an in-process service in tests). */
  call: (name: string, request: unknown) => Promise<IpcResult<unknown>>;
  hub: EventHub;
  rendererDir: string;
  token: string;
  port?: number;
}

export interface WebBridge {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Only loopback names: a page on another site that rebinds DNS to 127.0.0.1 is refused. */
function hostAllowed(req: IncomingMessage): boolean {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/**
 * Browsers name the page that made a request in Origin (on every POST, and on cross-site requests):
 * only the bridge's own loopback origin may use it. A request without Origin comes from a program
 * (or a same-origin navigation), which the token still guards.
 */
function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].some((h) => origin === `http://${h}:${port}`);
}

/** decodeURIComponent that answers null (→ 400) instead of throwing on a malformed escape. */
function decodePath(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

const BAD_URI = { ok: false, error: { code: 'BAD_REQUEST', message: 'The request path is not a valid URI (a malformed % escape).' } };

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebBridge(opts: WebBridgeOptions): Promise<WebBridge> {
  const { call, hub, token } = opts;
  const rendererDir = path.resolve(opts.rendererDir);
  const sseClients = new Set<ServerResponse>();
  const removeSink = hub.add((name, payload) => {
    const line = `data: ${JSON.stringify({ name, payload } satisfies EventEnvelope)}\n\n`;
    for (const res of sseClients) res.write(line);
  });

  const serveStatic = async (res: ServerResponse, urlPath: string): Promise<void> => {
    const rel = decodePath(urlPath === '/' ? '/index.html' : urlPath);
    if (rel === null) return sendJson(res, 400, BAD_URI);
    const file = path.resolve(rendererDir, `.${rel}`);
    if (file !== rendererDir && !file.startsWith(`${rendererDir}${path.sep}`)) return sendJson(res, 404, { error: 'not found' });
    let target = file;
    const s = await stat(target).catch(() => null);
    // Unknown paths get the app itself (it has one page); missing assets stay 404.
    if (!s?.isFile()) {
      if (path.extname(rel)) return sendJson(res, 404, { error: 'not found' });
      target = path.join(rendererDir, 'index.html');
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(target)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    createReadStream(target).pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req)) return sendJson(res, 403, { error: 'Only loopback host names are served.' });
    if (!originAllowed(req, port)) return sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN', message: 'Requests from other origins are refused; open the URL the harness printed.' } });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return sendJson(res, 400, BAD_URI);
    }
    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'Use POST.' });
      if (!tokenMatches(req.headers['x-lifeboat-token'] as string | undefined, token)) {
        return sendJson(res, 401, { ok: false, error: { code: 'FORBIDDEN', message: 'The harness token is missing or wrong; open the URL the harness printed.' } });
      }
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { error: 'Send application/json.' });
      let body: unknown;
      try {
        const text = await readBody(req);
        body = text === '' ? {} : JSON.parse(text);
      } catch {
        return sendJson(res, 400, { ok: false, error: { code: 'BAD_REQUEST', message: 'The request body is not valid JSON (or is over 1 MiB).' } });
      }
      const name = decodePath(url.pathname.slice('/api/call/'.length));
      if (name === null) return sendJson(res, 400, BAD_URI);
      return sendJson(res, 200, await call(name, body));
    }
    if (url.pathname === '/api/events') {
      if (!tokenMatches(url.searchParams.get('token'), token)) return sendJson(res, 401, { error: 'bad token' });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n');
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'Use GET.' });
    return serveStatic(res, url.pathname);
  };

  let port = 0;
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      removeSink();
      for (const res of sseClients) res.end();
      sseClients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
