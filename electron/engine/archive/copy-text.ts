// COPY text, as pg_dump writes table data: one row per line ending in "\n", columns separated by
// tabs, NULL as \N, and backslash escapes for backslash, tab, newline, carriage return and the
// other control characters (src/backend/commands/copyto.c, CopyAttributeOutText). A raw newline
// byte therefore always ends a row, which is what lets rows be counted and hashed in one pass.
import { murmur3x86_128 } from './murmur3.js';

const NL = 0x0a;

/**
 * How fingerprints are computed now (docs/index-format.md, "The fingerprint"); an index without
 * this name holds the first version's SHA-256 sums, which compare only with each other.
 */
export const FINGERPRINT_KIND = 'mmh3-128';
export type FingerprintKind = typeof FINGERPRINT_KIND | 'sha256';

/**
 * Counts and fingerprints the rows of one table's COPY text as it streams. The fingerprint is the
 * sum, modulo 2^128, of each row line's 128-bit MurmurHash3 (murmur3.ts): a sum does not depend on
 * the order of the rows (pg_dump writes them in physical order, which an UPDATE or VACUUM FULL
 * changes without changing the content), and unlike XOR two identical rows do not cancel out.
 */
export class CopyRowStats {
  rows = 0;
  rawBytes = 0;
  /** 128-bit sum as four 32-bit lanes, most significant first. */
  private readonly lanes = [0, 0, 0, 0];
  private partial: Buffer[] = [];
  private readonly hashed = new Uint32Array(4);
  /** Set when the end-of-data marker "\." was seen (pg_dump ends each block's text with it). */
  ended = false;

  /** First rows kept for a preview (raw line text, without the newline). */
  readonly kept: string[] = [];

  /** `onRow`: hears every row's line (without its newline) as it is counted. */
  constructor(
    private readonly keep = 0,
    private readonly onRow?: (line: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.ended) return;
    let start = 0;
    for (let nl = chunk.indexOf(NL, start); nl >= 0; nl = chunk.indexOf(NL, start)) {
      // A whole line is hashed where it lies in the chunk; only a line split across chunks is copied.
      let line = chunk;
      let from = start;
      let to = nl;
      if (this.partial.length > 0) {
        this.partial.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.partial);
        this.partial = [];
        from = 0;
        to = line.length;
      }
      start = nl + 1;
      if (to - from === 2 && line[from] === 0x5c && line[from + 1] === 0x2e) {
        this.ended = true;
        return;
      }
      this.rawBytes += to - from + 1;
      this.addRow(line, from, to);
    }
    if (start < chunk.length) this.partial.push(Buffer.from(chunk.subarray(start)));
  }

  private addRow(line: Buffer, from: number, to: number): void {
    this.rows++;
    if (this.kept.length < this.keep) this.kept.push(line.toString('utf8', from, to));
    this.onRow?.(from === 0 && to === line.length ? line : line.subarray(from, to));
    const h = this.hashed;
    murmur3x86_128(line, h, from, to);
    let carry = 0;
    for (let i = 3; i >= 0; i--) {
      const s = (this.lanes[i] as number) + (h[i] as number) + carry;
      this.lanes[i] = s >>> 0;
      carry = s > 0xffffffff ? 1 : 0;
    }
  }

  /** True when a row was cut off by the end of the data (a damaged block). */
  get hasPartialRow(): boolean {
    return this.partial.length > 0;
  }

  fingerprint(): string {
    return this.lanes.map((n) => n.toString(16).padStart(8, '0')).join('');
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One field of COPY text as PostgreSQL's text form of the value (null for \N). */
export function decodeCopyField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  let out = '';
  for (let i = 0; i < field.length; i++) {
    const ch = field[i] as string;
    if (ch !== '\\' || i + 1 >= field.length) {
      out += ch;
      continue;
    }
    const next = field[++i] as string;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) out += simple;
    else if (next >= '0' && next <= '7') {
      let digits = next;
      while (digits.length < 3 && i + 1 < field.length && field[i + 1]! >= '0' && field[i + 1]! <= '7') digits += field[++i];
      out += String.fromCharCode(parseInt(digits, 8) & 0xff);
    } else if (next === 'x' && i + 1 < field.length && /[0-9a-fA-F]/.test(field[i + 1]!)) {
      let digits = field[++i] as string;
      if (i + 1 < field.length && /[0-9a-fA-F]/.test(field[i + 1]!)) digits += field[++i];
      out += String.fromCharCode(parseInt(digits, 16));
    } else out += next; // "\\" and any other escaped character stand for themselves
  }
  return out;
}

/** A COPY text line (without its newline) as its values. */
export function decodeCopyLine(line: string): (string | null)[] {
  return line.split('\t').map(decodeCopyField);
}
