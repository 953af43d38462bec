// A real HTTP proxy in front of the S3 server that records every request and fails chosen ones,
// to prove that a failed upload leaves nothing behind. Everything else passes through untouched.
// Tests also check on the wire that Lifeboat asked for AbortMultipartUpload (DELETE ?uploadId=…),
// besides RGW's own listing showing no upload left.
import http from 'node:http';

export interface FaultyProxy {
  endpoint: string;
  failedRequests: number;
  /** Every request, with its Range header when it had one. */
  requests: { method: string; url: string; range?: string }[];
  /** Upload ids that were started (CreateMultipartUpload) and those whose abort was requested. */
  startedUploads(): string[];
  abortedUploads(): string[];
  close(): Promise<void>;
}

/**
 * How a chosen request fails: by default a 500 InternalError; or an S3 error of one's choosing
 * (403 QuotaExceeded, 503 SlowDown…); or `drop-response`: the request reaches the server and
 * takes effect, but its answer is lost (the connection is cut), as on a flaky network.
 */
export type Fault = { status: number; code: string } | 'drop-response';

export async function startFaultyProxy(upstream: string, shouldFail: (req: http.IncomingMessage) => boolean, fault: Fault = { status: 500, code: 'InternalError' }): Promise<FaultyProxy> {
  const target = new URL(upstream);
  const state = { failedRequests: 0 };
  const requests: { method: string; url: string; range?: string }[] = [];
  const started: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.range ? { range: req.headers.range } : {}) });
    const failThis = shouldFail(req);
    if (failThis && fault === 'drop-response') {
      state.failedRequests++;
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        upRes.resume();
        upRes.on('end', () => res.socket?.destroy());
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
      return;
    }
    if (failThis && fault !== 'drop-response') {
      state.failedRequests++;
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0"?><Error><Code>${fault.code}</Code><Message>injected failure</Message></Error>`);
      });
      return;
    }
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (req.method === 'POST' && /[?&]uploads(=|&|$)/.test(req.url ?? '')) {
          let body = '';
          upRes.on('data', (d: Buffer) => (body += d.toString()));
          upRes.on('end', () => {
            const m = /<UploadId>([^<]+)<\/UploadId>/.exec(body);
            if (m?.[1]) started.push(m[1]);
          });
        }
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get failedRequests() {
      return state.failedRequests;
    },
    requests,
    startedUploads: () => [...started],
    abortedUploads: () =>
      requests
        .filter((r) => r.method === 'DELETE')
        .map((r) => new URL(r.url, 'http://x').searchParams.get('uploadId'))
        .filter((id): id is string => id !== null),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
