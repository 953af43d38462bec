// Plain SQL backups are gzipped by Lifeboat, in gzip members cut at the segments plain-sql-segments.ts
// finds (each COPY block, the text between), so a table's rows can later be read with one ranged
// request (docs/index-format.md, version 2). Concatenated members are one standard .sql.gz
// (RFC 1952 §2.2) that gunzip, zcat and the seed's scripts read as the whole text.
//
// Each member's header carries its own length in an extra field (subfield "LB", 4 bytes little
// endian, as BGZF does with "BC"), which gunzip skips: `lifeboat index` can then walk an object's
// members without inflating each one to find where it ends, and a backup whose members lack it
// (written by pg_dump or by an older Lifeboat) is recognised as not indexable.
import { gzip } from 'node:zlib';
import type { CompressPool } from './compress-pool.js';
import { OrderedOutput } from './ordered-output.js';
import type { CopyRowStats } from '../archive/copy-text.js';
import { PlainSqlSegmenter, type PlainEntry, type SegmenterEvents, type SegmentStart } from './plain-sql-segments.js';

/** zlib's gzip on Node's thread pool, off the event loop. */
function gzipAsync(data: Uint8Array, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(data, { level }, (e, out) => (e ? reject(e) : resolve(out))));
}

/** Text per member at most: a large COPY block is several members. */
export const DEFAULT_MEMBER_BYTES = 1024 * 1024;

/** Header bytes of a member with the length field: 10 + XLEN (2) + subfield (4 + 4). */
export const MEMBER_HEADER_BYTES = 20;
const FEXTRA = 0x04;

/** A gzip member as zlib writes it (no optional fields), with its length added to its header. */
export function withMemberLength(member: Buffer): Buffer {
  if (member.length < 18 || member[0] !== 0x1f || member[1] !== 0x8b || member[3] !== 0) throw new Error('zlib wrote an unexpected gzip header');
  const out = Buffer.alloc(member.length + 10);
  member.copy(out, 0, 0, 10);
  out[3] = FEXTRA;
  out.writeUInt16LE(8, 10);
  out[12] = 0x4c; // 'L'
  out[13] = 0x42; // 'B'
  out.writeUInt16LE(4, 14);
  out.writeUInt32LE(out.length, 16);
  member.copy(out, 20, 10);
  return out;
}

/** The length a member at `at` declares in its header, or null when it has no Lifeboat length field. */
export function declaredMemberLength(buf: Buffer, at = 0): number | null {
  if (buf.length < at + MEMBER_HEADER_BYTES) return null;
  if (buf[at] !== 0x1f || buf[at + 1] !== 0x8b || buf[at + 2] !== 8 || buf[at + 3] !== FEXTRA) return null;
  if (buf.readUInt16LE(at + 10) !== 8 || buf[at + 12] !== 0x4c || buf[at + 13] !== 0x42 || buf.readUInt16LE(at + 14) !== 4) return null;
  const n = buf.readUInt32LE(at + 16);
  return n >= MEMBER_HEADER_BYTES + 8 ? n : null;
}

export type PlainSegment = SegmentStart & {
  /** Byte range in the gzip stream (the plaintext of an encrypted backup). */
  archive: { offset: number; end: number };
  /** Byte range of the SQL text. */
  text: { offset: number; end: number };
  rows?: number;
  rawBytes?: number;
  fingerprint?: string;
};

export interface PlainLayout {
  segments: PlainSegment[];
  entries: PlainEntry[];
  /** Length of the gzip stream. */
  bytes: number;
  /** Length of the SQL text. */
  textBytes: number;
  dumpedFrom: string | null;
  dumpedBy: string | null;
}

export interface PlainMembers {
  stage: (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>;
  /** Set once the stage has written its last byte, unless the SQL could not be cut (then `failure` says why). */
  layout: PlainLayout | null;
  failure: Error | null;
}

/**
 * Follows the segmenter's events and records each segment's range of SQL text (and a COPY
 * block's rows and fingerprint); `onBytes` hears which segment every byte goes to. Segments are
 * recorded from their first byte, so none is empty.
 */
export class SegmentRecorder implements SegmenterEvents {
  readonly segments: PlainSegment[] = [];
  textAt = 0;
  private pendingStart: SegmentStart | null = null;
  private current: PlainSegment | null = null;

  constructor(private readonly onSegmentBytes: (segment: PlainSegment, bytes: Buffer) => void = () => undefined) {}

  onSegment(start: SegmentStart): void {
    this.pendingStart = start;
  }

  onBytes(bytes: Buffer): void {
    if (this.pendingStart || !this.current) {
      this.current = { ...(this.pendingStart ?? { kind: 'text', extract: true }), archive: { offset: -1, end: -1 }, text: { offset: this.textAt, end: this.textAt } };
      this.segments.push(this.current);
      this.pendingStart = null;
    }
    this.textAt += bytes.length;
    this.current.text.end = this.textAt;
    this.onSegmentBytes(this.current, bytes);
  }

  onCopyEnd(stats: CopyRowStats): void {
    if (!this.current) return;
    this.current.rows = stats.rows;
    this.current.rawBytes = stats.rawBytes;
    this.current.fingerprint = stats.fingerprint();
  }
}

/**
 * The stage that gzips pg_dump's plain output (written uncompressed) into members cut at segment
 * boundaries, and at most `memberBytes` of text each. With a pool, workers compress; without one
 * (0 workers), zlib on Node's thread pool does, at most two members at a time.
 */
export function plainSqlMembers(opts: { level: number; pool: CompressPool | null; memberBytes?: number }): PlainMembers {
  const memberBytes = opts.memberBytes ?? DEFAULT_MEMBER_BYTES;
  const maxInFlight = opts.pool ? opts.pool.size * 2 + 2 : 2;
  const compress = (data: Uint8Array): Promise<Buffer> =>
    opts.pool ? opts.pool.run({ kind: 'gzip-member', data, level: opts.level }).then((r) => r.bytes) : gzipAsync(data, opts.level);
  const result: PlainMembers = { stage: null as unknown as PlainMembers['stage'], layout: null, failure: null };
  result.stage = async function* members(source) {
    const out = new OrderedOutput();
    let parts: Buffer[] = [];
    let length = 0;
    let gzAt = 0;
    let filling: PlainSegment | null = null;
    const submit = (): void => {
      if (length === 0 || !filling) return;
      const seg = filling;
      // A slot of the workers' shared memory (compress-pool.ts), or else a buffer of its own, never
      // a slice of Node's shared pool: a worker takes ownership of it.
      const data = opts.pool?.sharedPiece(length) ?? new Uint8Array(length);
      let at = 0;
      for (const p of parts) {
        data.set(p, at);
        at += p.length;
      }
      parts = [];
      length = 0;
      // Runs when the member is released, in stream order: the segment's range grows member by member.
      out.pushPending(compress(data), (gz) => {
        const member = withMemberLength(gz);
        if (seg.archive.offset < 0) seg.archive.offset = gzAt;
        gzAt += member.length;
        seg.archive.end = gzAt;
        return member;
      });
    };
    const recorder = new SegmentRecorder((seg, bytes) => {
      if (seg !== filling) {
        submit();
        filling = seg;
      }
      let at = 0;
      while (at < bytes.length) {
        const n = Math.min(bytes.length - at, memberBytes - length);
        parts.push(bytes.subarray(at, at + n));
        length += n;
        at += n;
        if (length === memberBytes) submit();
      }
    });
    const segmenter = new PlainSqlSegmenter(recorder);
    for await (const piece of source) {
      segmenter.push(piece);
      while (out.inFlight > maxInFlight) {
        const b = await out.take(true);
        if (b) yield b;
      }
      const ready = await out.take(false);
      if (ready) yield ready;
    }
    // A dump whose text ends inside what looked like a COPY block (a function body holding a line
    // "COPY … FROM stdin;") is stored all the same: its members are valid gzip, only the index
    // and the counts from the stream are not to be trusted, so there are none.
    let whole = true;
    try {
      segmenter.end();
    } catch (e) {
      whole = false;
      result.failure = e instanceof Error ? e : new Error(String(e));
    }
    submit();
    // An empty dump still makes a valid (empty) gzip file: one member of no text.
    if (recorder.segments.length === 0) {
      const seg: PlainSegment = { kind: 'text', extract: true, archive: { offset: 0, end: 0 }, text: { offset: 0, end: 0 } };
      recorder.segments.push(seg);
      out.pushPending(compress(new Uint8Array(0)), (gz) => {
        const member = withMemberLength(gz);
        seg.archive.end = member.length;
        gzAt = member.length;
        return member;
      });
    }
    while (!out.isEmpty) {
      const b = await out.take(true);
      if (b) yield b;
    }
    if (whole) result.layout = { segments: recorder.segments, entries: segmenter.entries, bytes: gzAt, textBytes: recorder.textAt, dumpedFrom: segmenter.dumpedFrom, dumpedBy: segmenter.dumpedBy };
  };
  return result;
}
