import { deflateSync } from 'node:zlib';
import { adler32Combine, zlibHeader } from './adler32.js';
import { DEFLATE_WINDOW, type CompressPool } from './compress-pool.js';
import type { OrderedOutput } from './ordered-output.js';

/** deflate's window: each piece is primed with this much of what came before it. */
const WINDOW = DEFLATE_WINDOW;
/** Streams that end this small are compressed at once here: a worker round trip would cost more. */
const SMALL_STREAM = 16 * 1024;
/** A new piece's first allocation; it doubles as rows arrive. */
const INITIAL_PIECE = 64 * 1024;

/**
 * One zlib stream (what pg_dump's deflateInit/deflate/Z_FINISH writes for one data block or large
 * object), compressed pigz-style: the input is cut into pieces that workers deflate in parallel as
 * raw deflate, each primed with the previous 32 KiB as dictionary and ended by a sync flush (the
 * last one finishes the stream), so the pieces concatenate into one valid deflate stream. The zlib
 * header goes before the first piece; the adler32 of the whole input (combined from the pieces'
 * own) after the last. Each piece becomes one length-prefixed chunk of the archive.
 */
export class SplitZlibStream {
  /** The piece being filled: a slot shared with the workers, or else memory of its own (never Node's pool), moved to a worker. */
  private piece: Buffer | null = null;
  private length = 0;
  private first = true;
  /** The last 32 KiB before the next piece (its dictionary), and the one being built from it: reused piece after piece. */
  private window: Buffer | null = null;
  private spare: Buffer | null = null;
  private windowLength = 0;
  private adler = 1;

  constructor(
    private readonly level: number,
    private readonly pieceBytes: number,
    private readonly pool: CompressPool,
    private readonly out: OrderedOutput,
    /** Frames the parts, joined, as one length-prefixed chunk of the archive. */
    private readonly chunk: (...parts: Buffer[]) => Buffer,
    /** Hears the plain bytes as they are written, in order (row counts). */
    private readonly seen: ((text: Buffer) => void) | null = null,
  ) {}

  /**
   * Appends src[from, to): a run of rows (rewrite-custom.ts joins each input piece's whole rows),
   * or a part of one. The row counter reads them here, in the writer's ordinary memory: reading the
   * shared piece instead was three times slower (Buffer#indexOf on a SharedArrayBuffer).
   */
  write(src: Buffer, from = 0, to = src.length): void {
    if (to > from) this.seen?.(from === 0 && to === src.length ? src : src.subarray(from, to));
    let at = from;
    while (at < to) {
      const piece = this.room(to - at);
      const n = Math.min(to - at, piece.length - this.length);
      src.copy(piece, this.length, at, at + n);
      this.length += n;
      at += n;
      if (this.length === this.pieceBytes) this.submit(false);
    }
  }

  end(): void {
    this.submit(true);
  }

  /**
   * The piece with room for more bytes: a shared slot when one is free, else a buffer of its own.
   * Such a stream's first piece starts small and doubles up to the piece size, so the thousands of
   * tiny tables a schema can have do not each cost a full piece.
   */
  private room(wanted: number): Buffer {
    const piece = this.piece;
    if (piece && this.length < piece.length) return piece;
    // A slot of the pool's shared memory, full size, when one is free (compress-pool.ts). A shared
    // piece is submitted when full, so it is never grown.
    const shared = piece ? null : this.pool.sharedPiece(this.pieceBytes);
    if (shared) return (this.piece = shared);
    // Past its first piece a stream is a big table: its pieces are full size from the start.
    const size = this.first ? Math.min(this.pieceBytes, Math.max(INITIAL_PIECE, (piece?.length ?? 0) * 2, this.length + wanted)) : this.pieceBytes;
    const grown = Buffer.allocUnsafeSlow(size);
    if (piece) piece.copy(grown, 0, 0, this.length);
    this.piece = grown;
    return grown;
  }

  /**
   * The last 32 KiB of everything up to the end of `data` (the window so far, then the piece: pieces
   * may be shorter than the window), into the spare window buffer; `submit` swaps the two after.
   */
  private keepWindow(window: Buffer | null, data: Buffer): void {
    const next = (this.spare ??= Buffer.allocUnsafeSlow(WINDOW));
    const fromOld = Math.min(window?.length ?? 0, WINDOW - Math.min(data.length, WINDOW));
    if (window && fromOld > 0) window.copy(next, 0, window.length - fromOld);
    const fromData = Math.min(data.length, WINDOW);
    data.copy(next, fromOld, data.length - fromData);
    this.windowLength = fromOld + fromData;
  }

  private submit(last: boolean): void {
    const data = this.piece ? this.piece.subarray(0, this.length) : Buffer.allocUnsafeSlow(0);
    this.piece = null;
    this.length = 0;
    if (this.first && last && data.length <= SMALL_STREAM) {
      this.out.push(this.chunk(deflateSync(data, { level: this.level })));
      this.pool.releasePiece(data);
      return;
    }
    const isFirst = this.first;
    this.first = false;
    const dictionary = this.window ? this.window.subarray(0, this.windowLength) : null;
    // The next piece's window is taken now: a piece of its own memory moves to the worker in `run`
    // (a shared one stays, but is the worker's until it answers).
    if (!last) this.keepWindow(dictionary, data);
    const pieceLength = data.length;
    // The pool copies the dictionary when the job is submitted, so the old window can be reused after.
    const job = this.pool.run({ kind: 'deflate-piece', data, level: this.level, dictionary, last });
    if (!last) [this.window, this.spare] = [this.spare, this.window];
    this.out.pushPending(job, (r) => {
      // Runs in stream order (OrderedOutput), so the running checksum sees the pieces in order.
      this.adler = adler32Combine(this.adler, r.adler, pieceLength);
      const trailer = last ? Buffer.from([this.adler >>> 24, (this.adler >>> 16) & 0xff, (this.adler >>> 8) & 0xff, this.adler & 0xff]) : null;
      return this.chunk(...(isFirst ? [zlibHeader(this.level)] : []), r.bytes, ...(trailer ? [trailer] : []));
    });
  }
}
