import type { BlockTextStats } from '../archive/block-text-stats.js';
import { ByteReader, TruncatedError } from '../archive/byte-reader.js';
import type { CopyRowStats } from '../archive/copy-text.js';
import { ArchiveFormatError, BLK_BLOBS, BLK_DATA, readArchiveHead, readToc, type ArchiveHead } from '../archive/custom-format.js';
import { LifeboatError } from '../errors.js';
import type { CompressPool } from './compress-pool.js';
import { OrderedOutput } from './ordered-output.js';
import { SplitZlibStream } from './split-zlib-stream.js';

export interface RewriteOptions {
  /** zlib level 1–9 written into the header and used for every block. */
  level: number;
  pool: CompressPool;
  /** How much of a block one worker compresses at a time (pigz's block size). */
  pieceBytes?: number;
  /** Compressed pieces queued or running at most; the input waits beyond that (bounded memory). */
  maxInFlight?: number;
  /** Receives each table's plain COPY text as it passes, for its row count and fingerprint. */
  textStats?: BlockTextStats;
}

export const DEFAULT_PIECE_BYTES = 512 * 1024;

/**
 * Re-writes an uncompressed (-Z0) custom-format archive, as it streams, into the archive pg_dump
 * would have written with -Z level: the header's compression field says so, every data block and
 * large object becomes one zlib stream in length-prefixed chunks (pg_backup_custom.c, compress_io.c),
 * and the TOC passes through byte for byte. The data offsets need no change: a dump to a pipe has
 * none. Input pg_dump already compressed passes through untouched. Input that ends early (pg_dump
 * died) ends the output early too, without error: pg_dump's exit status tells that story.
 * The source may lend its chunks (each overwritten by the next, jobs/borrowed-output.ts): nothing
 * here keeps a chunk past the next read without copying it (BlockRewriter.feed consumes one whole).
 */
export function rewriteCustomArchive(opts: RewriteOptions): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* rewriteOrExplain(source) {
    try {
      yield* rewrite(source, opts);
    } catch (e) {
      if (!(e instanceof ArchiveFormatError)) throw e;
      throw new LifeboatError('ARCHIVE_UNREADABLE', `pg_dump's archive could not be compressed by Lifeboat (${e.message}); nothing was stored.`, { hint: { kind: 'compress-with-pg-dump' } });
    }
  };
}

async function* rewrite(source: AsyncIterable<Buffer>, opts: RewriteOptions): AsyncGenerator<Buffer> {
  const input = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  const recording: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const n = await input.next();
        if (n.done) return n;
        // The source may lend its chunks (jobs/borrowed-output.ts): the head is kept, so copied.
        const copy = Buffer.from(n.value);
        seen.push(copy);
        return { done: false, value: copy };
      },
    }),
  };
  const r = new ByteReader(recording);
  let head: ArchiveHead;
  try {
    const read = await readArchiveHead(r);
    head = read.head;
    const toc = await readToc(head, read.ints);
    if (toc.some((e) => e.dataState === 2)) throw new ArchiveFormatError('its TOC records data offsets, which a re-written archive could not keep');
  } catch (e) {
    if (!(e instanceof TruncatedError)) throw e;
    yield Buffer.concat(seen);
    return;
  }
  const all = Buffer.concat(seen);
  if (head.compression !== 'none') {
    yield all;
    for (let n = await input.next(); !n.done; n = await input.next()) yield Buffer.from(n.value);
    return;
  }
  const out = new OrderedOutput();
  out.push(withCompression(all.subarray(0, head.bytes), head, opts.level));
  out.push(all.subarray(head.bytes, r.position));
  const blocks = new BlockRewriter(
    head.intSize,
    (chunk, stats) => new SplitZlibStream(opts.level, opts.pieceBytes ?? DEFAULT_PIECE_BYTES, opts.pool, out, chunk, stats ? (text) => stats.push(text) : null),
    out,
    opts.textStats ?? null,
  );
  const maxInFlight = opts.maxInFlight ?? opts.pool.size * 2 + 2;
  blocks.feed(all.subarray(r.position));
  for (;;) {
    while (out.inFlight > maxInFlight) {
      const b = await out.take(true);
      if (b) yield b;
    }
    const ready = await out.take(false);
    if (ready) yield ready;
    const n = await input.next();
    if (n.done) break;
    blocks.feed(n.value);
  }
  blocks.end();
  while (!out.isEmpty) {
    const b = await out.take(true);
    if (b) yield b;
  }
}

/** The header with its compression field set: the level as an int before 1.15, the algorithm byte (1 = gzip) after. */
function withCompression(header: Buffer, head: ArchiveHead, level: number): Buffer {
  const copy = Buffer.from(header);
  const at = 11; // "PGDMP", 3 version bytes, intSize, offSize, format
  const [maj, min] = head.version.split('.').map(Number);
  if ((maj ?? 0) > 1 || (min ?? 0) >= 15) copy[at] = 1;
  else writeInt(copy, at, level, head.intSize);
  return copy;
}

function writeInt(buf: Buffer, at: number, value: number, intSize: number): void {
  buf[at] = value < 0 ? 1 : 0;
  let v = Math.abs(value);
  for (let i = 0; i < intSize; i++) {
    buf[at + 1 + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

type State = 'block' | 'blob' | 'chunkLength' | 'chunkData';

/**
 * The data part of the archive, parsed synchronously as it arrives (a -Z0 archive holds one chunk
 * per row, millions of them: one await each would cost more than the compression saves). Block and
 * large-object headers and terminators are copied as they are; chunk payloads go to the block's
 * zlib stream, which emits its own chunks.
 */
class BlockRewriter {
  private state: State = 'block';
  private inBlobs = false;
  private remaining = 0;
  private carry: Buffer = Buffer.alloc(0);
  /** Where runs of whole chunks are closed up (writeWholeChunks); grows to the largest input piece. */
  private scratch: Buffer = Buffer.alloc(0);
  private stream: SplitZlibStream | null = null;
  private readonly intBytes: number;

  constructor(
    private readonly intSize: number,
    private readonly newStream: (chunk: (...parts: Buffer[]) => Buffer, stats: CopyRowStats | null) => SplitZlibStream,
    private readonly out: OrderedOutput,
    private readonly textStats: BlockTextStats | null,
  ) {
    this.intBytes = 1 + intSize;
  }

  /** One length-prefixed chunk of the parts joined (copied once: a compressed piece and its zlib header or trailer). */
  private chunk = (...parts: Buffer[]): Buffer => {
    let length = 0;
    for (const p of parts) length += p.length;
    if (length === 0) return Buffer.alloc(0);
    const b = Buffer.allocUnsafe(this.intBytes + length);
    writeInt(b, 0, length, this.intSize);
    let at = this.intBytes;
    for (const p of parts) at += p.copy(b, at);
    return b;
  };

  private readInt(data: Buffer, at: number): number {
    let v = 0;
    let mult = 1;
    for (let i = 0; i < this.intSize; i++) {
      v += (data[at + 1 + i] as number) * mult;
      mult *= 256;
    }
    return data[at] ? -v : v;
  }

  feed(piece: Buffer): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, piece]) : piece;
    let at = 0;
    for (;;) {
      if (this.state === 'chunkLength' && this.stream) at = this.writeWholeChunks(data, at);
      const left = data.length - at;
      if (this.state === 'chunkData') {
        const n = Math.min(this.remaining, left);
        if (n > 0) this.stream?.write(data, at, at + n);
        at += n;
        this.remaining -= n;
        if (this.remaining > 0) break;
        this.state = 'chunkLength';
        continue;
      }
      const need = this.state === 'block' ? 1 + this.intBytes : this.intBytes;
      if (left < need) break;
      if (this.state === 'block') {
        const type = data[at] as number;
        if (type !== BLK_DATA && type !== BLK_BLOBS) throw new ArchiveFormatError(`a data block has type ${type} (expected 1 or 3)`);
        this.out.push(Buffer.from(data.subarray(at, at + need)));
        this.inBlobs = type === BLK_BLOBS;
        if (this.inBlobs) this.state = 'blob';
        else this.openStream(this.textStats?.open(this.readInt(data, at + 1)) ?? null);
      } else if (this.state === 'blob') {
        this.out.push(Buffer.from(data.subarray(at, at + need)));
        if (this.readInt(data, at) === 0) this.state = 'block';
        else this.openStream(null);
      } else {
        const length = this.readInt(data, at);
        if (length < 0) throw new ArchiveFormatError(`a data chunk claims ${length} bytes`);
        if (length > 0) {
          this.remaining = length;
          this.state = 'chunkData';
        } else {
          this.stream?.end();
          this.stream = null;
          this.out.push(Buffer.from(data.subarray(at, at + need)));
          this.state = this.inBlobs ? 'blob' : 'block';
        }
      }
      at += need;
    }
    this.carry = Buffer.from(data.subarray(at));
  }

  /**
   * The payloads of every whole chunk from `at` on (a -Z0 archive's rows, one per chunk), joined and
   * handed to the stream at once; returns where the first incomplete or end-of-stream chunk starts.
   * The run is copied into a scratch buffer and closed up there (copyWithin): one native call per row
   * and no allocation, where writing each row on its own costs a new view object per row in Node's
   * Buffer#copy, about three times as long over millions of rows (docs/benchmarks.md, Backup).
   */
  private writeWholeChunks(data: Buffer, at: number): number {
    const start = at;
    let end = at;
    for (;;) {
      if (end + this.intBytes > data.length) break;
      const length = this.readInt(data, end);
      if (length <= 0 || end + this.intBytes + length > data.length) break;
      end += this.intBytes + length;
    }
    if (end === start) return at;
    if (this.scratch.length < end - start) this.scratch = Buffer.allocUnsafeSlow(Math.max(end - start, 2 * this.scratch.length));
    const scratch = this.scratch;
    data.copy(scratch, 0, start, end);
    let read = 0;
    let write = 0;
    while (read < end - start) {
      const length = this.readInt(scratch, read);
      scratch.copyWithin(write, read + this.intBytes, read + this.intBytes + length);
      read += this.intBytes + length;
      write += length;
    }
    this.stream?.write(scratch, 0, write);
    return end;
  }

  private openStream(stats: CopyRowStats | null): void {
    this.stream = this.newStream(this.chunk, stats);
    this.state = 'chunkLength';
  }

  /** The input ended: a block left open means pg_dump stopped mid-archive (its exit status says why). */
  end(): void {
    this.stream = null;
  }
}
