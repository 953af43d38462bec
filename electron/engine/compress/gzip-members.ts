import { gzipSync } from 'node:zlib';
import type { CompressPool } from './compress-pool.js';
import { OrderedOutput } from './ordered-output.js';

export const DEFAULT_MEMBER_BYTES = 1024 * 1024;

/**
 * Gzips plain SQL as it streams, in pieces that workers compress in parallel, each a complete gzip
 * member, written in order. Concatenated members are one standard .sql.gz (RFC 1952 §2.2): gunzip,
 * zcat and Node's gunzip read them as the whole text.
 */
export function gzipMembers(opts: { level: number; pool: CompressPool; memberBytes?: number; maxInFlight?: number }): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  const memberBytes = opts.memberBytes ?? DEFAULT_MEMBER_BYTES;
  const maxInFlight = opts.maxInFlight ?? opts.pool.size * 2 + 2;
  return async function* gzip(source) {
    const out = new OrderedOutput();
    let parts: Buffer[] = [];
    let length = 0;
    let members = 0;
    const submit = (): void => {
      const data = new Uint8Array(length);
      let at = 0;
      for (const p of parts) {
        data.set(p, at);
        at += p.length;
      }
      parts = [];
      length = 0;
      members++;
      out.pushPending(opts.pool.run({ kind: 'gzip-member', data, level: opts.level }), (r) => r.bytes);
    };
    for await (const piece of source) {
      let at = 0;
      while (at < piece.length) {
        const n = Math.min(piece.length - at, memberBytes - length);
        parts.push(piece.subarray(at, at + n));
        length += n;
        at += n;
        if (length === memberBytes) submit();
      }
      while (out.inFlight > maxInFlight) {
        const b = await out.take(true);
        if (b) yield b;
      }
      const ready = await out.take(false);
      if (ready) yield ready;
    }
    if (length > 0) submit();
    // An empty input still makes a valid (empty) gzip file.
    if (members === 0) out.push(gzipSync(Buffer.alloc(0), { level: opts.level }));
    while (!out.isEmpty) {
      const b = await out.take(true);
      if (b) yield b;
    }
  };
}
