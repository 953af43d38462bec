import { deflateSync } from 'node:zlib';
import { adler32Combine, zlibHeader } from './adler32.js';
import type { CompressPool } from './compress-pool.js';
import type { OrderedOutput } from './ordered-output.js';

/** deflate's window: each piece is primed with this much of what came before it. */
const WINDOW = 32 * 1024;
/** Streams that end this small are compressed at once here: a worker round trip would cost more. */
const SMALL_STREAM = 16 * 1024;

/**
 * One zlib stream (what pg_dump's deflateInit/deflate/Z_FINISH writes for one data block or large
 * object), compressed pigz-style: the input is cut into pieces that workers deflate in parallel as
 * raw deflate, each primed with the previous 32 KiB as dictionary and ended by a sync flush (the
 * last one finishes the stream), so the pieces concatenate into one valid deflate stream. The zlib
 * header goes before the first piece; the adler32 of the whole input (combined from the pieces'
 * own) after the last. Each piece becomes one length-prefixed chunk of the archive.
 */
export class SplitZlibStream {
  private parts: Buffer[] = [];
  private length = 0;
  private first = true;
  private dictionary: Uint8Array | null = null;
  private adler = 1;

  constructor(
    private readonly level: number,
    private readonly pieceBytes: number,
    private readonly pool: CompressPool,
    private readonly out: OrderedOutput,
    private readonly chunk: (payload: Buffer) => Buffer,
  ) {}

  write(src: Buffer): void {
    let at = 0;
    while (at < src.length) {
      const n = Math.min(src.length - at, this.pieceBytes - this.length);
      this.parts.push(src.subarray(at, at + n));
      this.length += n;
      at += n;
      if (this.length === this.pieceBytes) this.submit(false);
    }
  }

  end(): void {
    this.submit(true);
  }

  private submit(last: boolean): void {
    // A fresh buffer of its own, so it can be moved to the worker without copying again.
    const data = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      data.set(p, at);
      at += p.length;
    }
    this.parts = [];
    this.length = 0;
    if (this.first && last && data.length <= SMALL_STREAM) {
      this.out.push(this.chunk(deflateSync(data, { level: this.level })));
      return;
    }
    const isFirst = this.first;
    this.first = false;
    const dictionary = this.dictionary;
    this.dictionary = last ? null : lastWindow(dictionary, data);
    const pieceLength = data.length;
    const job = this.pool.run({ kind: 'deflate-piece', data, level: this.level, dictionary, last });
    this.out.pushPending(job, (r) => {
      // Runs in stream order (OrderedOutput), so the running checksum sees the pieces in order.
      this.adler = adler32Combine(this.adler, r.adler, pieceLength);
      const trailer = last ? Buffer.from([this.adler >>> 24, (this.adler >>> 16) & 0xff, (this.adler >>> 8) & 0xff, this.adler & 0xff]) : null;
      return this.chunk(Buffer.concat([...(isFirst ? [zlibHeader(this.level)] : []), r.bytes, ...(trailer ? [trailer] : [])]));
    });
  }
}

/** The last 32 KiB of everything before the next piece (pieces may be shorter than the window). */
function lastWindow(previous: Uint8Array | null, data: Uint8Array): Uint8Array {
  if (data.length >= WINDOW || !previous) return data.slice(Math.max(0, data.length - WINDOW));
  const joined = Buffer.concat([previous, data]);
  return new Uint8Array(joined.subarray(Math.max(0, joined.length - WINDOW)));
}
