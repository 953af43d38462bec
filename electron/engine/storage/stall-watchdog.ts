import { Readable } from 'node:stream';

/**
 * Wraps a response body so that a server which stops sending fails the read instead of hanging
 * it forever. Only time spent waiting *for the server* counts: while the consumer is busy (a
 * pg_restore building an index) nothing is read and the clock does not run, so a slow restore is
 * never mistaken for a stalled storage. The socket-level timeout cannot tell the two apart.
 */
export function withStallWatchdog(source: Readable, stallMs: number, onStall: () => Error): Readable {
  let timer: NodeJS.Timeout | null = null;
  const stop = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const out = new Readable({
    read() {
      if (!timer) {
        timer = setTimeout(() => {
          timer = null;
          const err = onStall();
          source.destroy(err);
          out.destroy(err);
        }, stallMs);
        timer.unref();
      }
      source.resume();
    },
    destroy(err, cb) {
      stop();
      source.destroy(err ?? undefined);
      cb(err);
    },
  });
  source.on('data', (chunk: Buffer) => {
    stop();
    if (!out.push(chunk)) source.pause();
  });
  source.on('end', () => {
    stop();
    out.push(null);
  });
  source.on('error', (err) => {
    stop();
    out.destroy(err);
  });
  source.pause();
  return out;
}
