// The browser harness's bridge against the real server: only its own loopback origin may call it
// (a page on another site, or a sandboxed/file page with Origin "null", gets 403), and a malformed
// URI is the client's mistake (400), not a server error (500).
import { request } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { EventHub } from '../../electron/app-service/event-sink.js';
import { startWebBridge, type WebBridge } from '../../electron/web/web-bridge-server.js';
import { tempHome } from '../support/cli.js';

const TOKEN = 'bridge-test-token-0123456789';
let service: AppService;
let bridge: WebBridge;

beforeAll(async () => {
  const hub = new EventHub();
  service = createAppService({ emit: hub.emit, shell: 'web', env: { ...process.env, ...(await tempHome()) } });
  bridge = await startWebBridge({ call: (name, request) => dispatchCall(service, name, request), hub, rendererDir: await mkdtemp(path.join(os.tmpdir(), 'lifeboat-renderer-')), token: TOKEN });
});

afterAll(async () => {
  await bridge?.close();
  await service?.shutdown();
});

/** A raw request, so the path goes on the wire exactly as written (fetch would re-encode it). */
function raw(method: string, pathname: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path: pathname, method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const call = (origin?: string) =>
  raw('POST', '/api/call/app.info', { 'content-type': 'application/json', 'x-lifeboat-token': TOKEN, ...(origin ? { origin } : {}) }, '{}');

describe('web bridge', () => {
  it('answers its own loopback origin, and programs that send none', async () => {
    for (const origin of [`http://127.0.0.1:${bridge.port}`, `http://localhost:${bridge.port}`, undefined]) {
      const r = await call(origin);
      expect(r.status, origin).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ ok: true });
    }
  });

  it('refuses any other origin with 403, even with the right token', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${bridge.port + 1}`, `https://127.0.0.1:${bridge.port}`, 'file://']) {
      const r = await call(origin);
      expect(r.status, origin).toBe(403);
      expect(r.body).toContain('other origins are refused');
    }
    expect((await raw('GET', `/api/events?token=${TOKEN}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await raw('GET', '/', { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('answers malformed URIs with 400, not 500', async () => {
    for (const p of ['/%E0%A4%A', '/assets/%ZZ.js', '/%']) {
      const r = await raw('GET', p);
      expect(r.status, p).toBe(400);
      expect(r.body).toContain('not a valid URI');
    }
    const c = await raw('POST', '/api/call/%E0%A4%A', { 'content-type': 'application/json', 'x-lifeboat-token': TOKEN }, '{}');
    expect(c.status).toBe(400);
  });
});
