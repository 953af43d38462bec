// Reading a plain SQL backup's segments through its index (plain-index.ts) with ranged requests,
// and proving, as the bytes pass, that each is what the index promised: whole Lifeboat gzip
// members (each declaring its length) exactly filling the range, text of the promised length, a
// COPY block that starts with the promised COPY line and ends with its `\.` line holding exactly
// the promised rows (count and fingerprint), text between blocks that holds no COPY block and only
// entries of the promised kind. Anything else is a PlainIndexMismatch: the caller streams the
// backup instead — a wrong index costs time, never gives wrong data.
import { gunzipSync } from 'node:zlib';
import type { KeyResolver } from '../crypto/decrypt-stream.js';
import { declaredMemberLength, MEMBER_HEADER_BYTES } from '../compress/plain-members.js';
import { extractKeeps, parseEntryComment } from '../compress/plain-sql-segments.js';
import type { BackupStorage } from '../storage/storage.js';
import { CopyRowStats } from './copy-text.js';
import type { CopySegment, PlainIndex, PlainIndexSegment } from './plain-index.js';
import { parseCopyTarget } from './plain-sql-scan.js';
import { archiveRange } from './ranged-block.js';

/** The index proved wrong for this backup. */
export class PlainIndexMismatch extends Error {}

/** A gzip member's SQL text, and where the member lies in the gzip stream. */
export interface MemberText {
  text: Buffer;
  /** The member's gzip bytes. */
  member: Buffer;
  at: number;
  length: number;
}

/** The SQL text of gzip members that declare their length, member by member; the bytes must be whole members. */
export async function* memberTexts(gz: AsyncIterable<Buffer>, at: number): AsyncGenerator<MemberText> {
  let parts: Buffer[] = [];
  let held = 0;
  let pos = at;
  const take = (): Buffer => {
    const b = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, held);
    parts = [b];
    return b;
  };
  for await (const piece of gz) {
    parts.push(piece);
    held += piece.length;
    for (;;) {
      if (held < MEMBER_HEADER_BYTES) break;
      let buf = take();
      const n = declaredMemberLength(buf);
      if (n === null) throw new PlainIndexMismatch(`the bytes at ${pos} of the gzip stream are not a gzip member of a Lifeboat plain backup`);
      if (held < n) break;
      buf = take();
      let text: Buffer;
      const bytes = buf.subarray(0, n);
      try {
        text = gunzipSync(bytes);
      } catch (e) {
        throw new PlainIndexMismatch(`the gzip member at ${pos} does not decompress (${(e as Error).message})`);
      }
      const member = { text, member: bytes, at: pos, length: n };
      pos += n;
      const rest = buf.subarray(n);
      parts = rest.length > 0 ? [rest] : [];
      held = rest.length;
      yield member;
    }
  }
  if (held > 0) throw new PlainIndexMismatch(`the range ends inside the gzip member at ${pos}`);
}

/** A segment's gzip bytes (`progressive`: in growing windows, for a reader that may stop early). */
export function segmentBytes(storage: BackupStorage, key: string, index: PlainIndex, seg: PlainIndexSegment, resolveKey: KeyResolver, signal?: AbortSignal, progressive = false): AsyncGenerator<Buffer> {
  return archiveRange(storage, key, index, seg, resolveKey, signal, { progressive });
}

/** Checks a COPY segment's text as it passes; `done` says whether it was exactly the promised block. */
export class CopySegmentCheck {
  readonly stats: CopyRowStats;
  private head = '';
  private headDone = false;
  private textBytes = 0;

  constructor(
    private readonly seg: CopySegment,
    keep = 0,
    onRow?: (line: Buffer) => void,
  ) {
    this.stats = new CopyRowStats(keep, onRow);
  }

  push(text: Buffer): void {
    this.textBytes += text.length;
    if (this.headDone) {
      this.stats.push(text);
      return;
    }
    const nl = text.indexOf(0x0a);
    this.head += text.toString('utf8', 0, nl < 0 ? text.length : nl);
    if (nl < 0) {
      if (this.head.length > this.seg.copyStmt.length) this.wrongStart();
      return;
    }
    if (this.head !== this.seg.copyStmt) this.wrongStart();
    this.headDone = true;
    this.stats.push(text.subarray(nl + 1));
  }

  private wrongStart(): never {
    throw new PlainIndexMismatch(`the text at ${this.seg.text.offset} does not start with the COPY line of ${this.seg.schema}.${this.seg.name}`);
  }

  /** Whether the first row(s) can be trusted: the COPY line was the promised one. */
  get started(): boolean {
    return this.headDone;
  }

  /** The whole block has passed: it must be exactly the promised one. */
  done(): void {
    const s = this.stats;
    const length = Buffer.byteLength(this.seg.copyStmt) + 1 + s.rawBytes + 3;
    if (!this.headDone || !s.ended || this.textBytes !== length || length !== this.seg.text.end - this.seg.text.offset) {
      throw new PlainIndexMismatch(`the COPY block of ${this.seg.schema}.${this.seg.name} is not the one the index describes`);
    }
    if (s.rows !== this.seg.rows || s.fingerprint() !== this.seg.fingerprint) {
      throw new PlainIndexMismatch(`the rows of ${this.seg.schema}.${this.seg.name} are not the ones the index counted`);
    }
  }
}

/** Checks the text between COPY blocks: no COPY block in it, only entries of the kind promised. */
export class TextSegmentCheck {
  private carry = '';
  private textBytes = 0;

  constructor(private readonly seg: Extract<PlainIndexSegment, { kind: 'text' }>) {}

  push(text: Buffer): void {
    this.textBytes += text.length;
    const lines = (this.carry + text.toString('latin1')).split('\n');
    this.carry = lines.pop() ?? '';
    for (const line of lines) this.line(Buffer.from(line, 'latin1').toString('utf8'));
  }

  private line(line: string): void {
    if (parseCopyTarget(line)) throw new PlainIndexMismatch(`the text at ${this.seg.text.offset} holds a COPY block the index does not name`);
    const entry = parseEntryComment(line);
    if (entry && extractKeeps(entry.type) !== this.seg.extract) throw new PlainIndexMismatch(`the text at ${this.seg.text.offset} holds a ${entry.type} entry the index classes otherwise`);
  }

  done(): void {
    if (this.carry) this.line(Buffer.from(this.carry, 'latin1').toString('utf8'));
    if (this.textBytes !== this.seg.text.end - this.seg.text.offset) throw new PlainIndexMismatch(`the text at ${this.seg.text.offset} is not as long as the index says`);
  }
}

/** A checker for any segment. */
export function segmentCheck(seg: PlainIndexSegment): { push(text: Buffer): void; done(): void } {
  return seg.kind === 'copy' ? new CopySegmentCheck(seg) : new TextSegmentCheck(seg);
}
