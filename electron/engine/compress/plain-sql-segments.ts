// Splits pg_dump's plain SQL output, as it streams, into segments that become separate gzip
// members (plain-members.ts): each table's `COPY … FROM stdin;` block (its COPY line through its
// `\.` line), and the text between blocks. Text is further cut where pg_dump's entry comments
// ("-- Name: x; Type: FK CONSTRAINT; …") move between what a partial recovery needs (definitions,
// sequence values) and what it leaves out (other tables' data, indexes, constraints, ACLs…), so that
// an extract downloads only the members it restores (docs/index-format.md, version 2).
import { EXTRACT_SKIPPED } from '../restore/toc-selection.js';
import { CopyRowStats } from '../archive/copy-text.js';
import { parseCopyTarget } from '../archive/plain-sql-scan.js';

export type SegmentStart =
  | { kind: 'text'; extract: boolean }
  | { kind: 'copy'; copyStmt: string; schema: string; name: string };

/** One object pg_dump wrote, from its entry comment. */
export interface PlainEntry {
  type: string;
  schema: string | null;
  name: string;
  /**
   * Its SQL as the dump holds it, without pg_dump's SET and OWNER lines (so that it reads like a
   * custom archive's definition), for diffs of definitions; null when longer than 1 MiB.
   */
  defn: string | null;
}

const MAX_DEFN = 1024 * 1024;
const NOT_IN_DEFN = /^(?:SET .+;|ALTER .+ OWNER TO .+;|--)$/;

export interface SegmenterEvents {
  /** A new segment starts: the bytes that follow belong to it. */
  onSegment(start: SegmentStart): void;
  onBytes(bytes: Buffer): void;
  /** A COPY block ended; its rows' count and fingerprint. */
  onCopyEnd(stats: CopyRowStats): void;
}

const ENTRY_COMMENT = /^-- (Data for )?Name: (.*?); Type: ([A-Z][A-Z ]*?); Schema: (.*?); Owner: /;
const DUMP_COMPLETE = '-- PostgreSQL database dump complete';
const COPY_END = Buffer.from('\n\\.\n');
/** pg_dump's plain output carries these entry types besides the custom archive's names. */
const PLAIN_ONLY_SKIPPED = ['BLOB METADATA', 'LARGE OBJECTS'];

/** Whether an extract restores text of this entry type (the same choice as extractTocEntries makes for archives). */
export function extractKeeps(type: string): boolean {
  return !EXTRACT_SKIPPED.includes(type) && !PLAIN_ONLY_SKIPPED.includes(type);
}

/** The entry an entry comment line names, or null for any other line. "-- PostgreSQL database dump complete" is an entry too: extracts keep it. */
export function parseEntryComment(line: string): PlainEntry | null {
  if (line === DUMP_COMPLETE) return { type: 'DUMP COMPLETE', schema: null, name: '', defn: null };
  const m = ENTRY_COMMENT.exec(line);
  if (!m) return null;
  const schema = m[4] ?? '-';
  return { type: m[3] ?? '', schema: schema === '-' ? null : schema, name: m[2] ?? '', defn: null };
}

/**
 * The segmenter. It works on whole lines outside COPY data; COPY data passes as slices up to its
 * `\.` line, never decoded, and is counted and fingerprinted on the way (the manifest's exact counts).
 */
export class PlainSqlSegmenter {
  private carry: Buffer = Buffer.alloc(0);
  private copy: CopyRowStats | null = null;
  private textExtract = true;
  /** A "--" line held back: it opens an entry comment when the next line is one. */
  private heldDashes: Buffer | null = null;
  private started = false;
  readonly entries: PlainEntry[] = [];
  /** The lines of the entry being read, for its definition. */
  private defnLines: string[] | null = null;
  private defnBytes = 0;
  dumpedFrom: string | null = null;
  dumpedBy: string | null = null;

  /**
   * `keepRows`: how many first rows of a table's COPY block to keep as text (for a peek);
   * `onRow`: hears every row of every table (for a row-level diff).
   */
  constructor(
    private readonly events: SegmenterEvents,
    private readonly keepRows: (table: { schema: string; name: string }) => number = () => 0,
    private readonly onRow?: (table: { schema: string; name: string }, line: Buffer) => void,
  ) {}

  /** The COPY block being read, if any. */
  get copyStats(): CopyRowStats | null {
    return this.copy;
  }

  push(chunk: Buffer): void {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const last = buf.lastIndexOf(0x0a);
    if (last < 0) {
      this.carry = Buffer.from(buf);
      return;
    }
    this.carry = Buffer.from(buf.subarray(last + 1));
    this.process(buf.subarray(0, last + 1));
  }

  /** The end of the dump. Every byte has been handed on first; then it throws when the text ended inside a COPY block. */
  end(): void {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    // Text after the last newline is handed on as it is (pg_dump ends with one, but keep every byte).
    if (rest.length > 0 && this.copy) {
      this.copy.push(rest);
      this.emit(rest);
    } else if (rest.length > 0) this.text(rest, rest.toString('utf8'));
    this.flushDashes();
    this.endEntry();
    if (this.copy) throw new Error('the dump ends inside a COPY block');
  }

  private endEntry(): void {
    const entry = this.entries[this.entries.length - 1];
    if (entry && this.defnLines) entry.defn = this.defnBytes > MAX_DEFN ? null : `${this.defnLines.join('\n').trim()}\n`;
    this.defnLines = null;
    this.defnBytes = 0;
  }

  private startSegment(start: SegmentStart): void {
    this.started = true;
    this.events.onSegment(start);
  }

  private emit(bytes: Buffer): void {
    if (!this.started) this.startSegment({ kind: 'text', extract: this.textExtract });
    if (bytes.length > 0) this.events.onBytes(bytes);
  }

  private flushDashes(): void {
    if (this.heldDashes) this.emit(this.heldDashes);
    this.heldDashes = null;
  }

  private process(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      if (this.copy) {
        const t = buf[pos] === 0x5c && buf[pos + 1] === 0x2e && buf[pos + 2] === 0x0a ? pos : plusOne(buf.indexOf(COPY_END, pos));
        const end = t < 0 ? buf.length : t + 3;
        const data = buf.subarray(pos, end);
        this.copy.push(data);
        this.emit(data);
        pos = end;
        if (t >= 0) {
          this.events.onCopyEnd(this.copy);
          this.copy = null;
          // The text after a table's data belongs to its TABLE DATA entry until the next entry comment.
          this.textExtract = false;
          this.startSegment({ kind: 'text', extract: false });
        }
        continue;
      }
      const nl = buf.indexOf(0x0a, pos);
      const lineEnd = nl < 0 ? buf.length : nl + 1;
      const bytes = buf.subarray(pos, lineEnd);
      this.text(bytes, buf.toString('utf8', pos, nl < 0 ? buf.length : nl));
      pos = lineEnd;
    }
  }

  private text(bytes: Buffer, line: string): void {
    if (line === '--') {
      this.flushDashes();
      this.heldDashes = Buffer.from(bytes);
      return;
    }
    const target = parseCopyTarget(line);
    if (target) {
      this.endEntry();
      this.flushDashes();
      this.startSegment({ kind: 'copy', copyStmt: line, ...target });
      const onRow = this.onRow;
      this.copy = new CopyRowStats(this.keepRows(target), onRow ? (row) => onRow(target, row) : undefined);
      this.emit(bytes);
      return;
    }
    const entry = parseEntryComment(line);
    if (entry) {
      this.endEntry();
      if (entry.type !== 'DUMP COMPLETE') {
        this.entries.push(entry);
        this.defnLines = [];
      }
      const keep = extractKeeps(entry.type);
      if (keep !== this.textExtract) {
        this.textExtract = keep;
        this.startSegment({ kind: 'text', extract: keep });
      }
    } else if (this.dumpedFrom === null && line.startsWith('-- Dumped from database version ')) {
      this.dumpedFrom = line.slice('-- Dumped from database version '.length).trim();
    } else if (this.dumpedBy === null && line.startsWith('-- Dumped by pg_dump version ')) {
      this.dumpedBy = line.slice('-- Dumped by pg_dump version '.length).trim();
    } else if (this.defnLines && !NOT_IN_DEFN.test(line)) {
      this.defnBytes += line.length + 1;
      if (this.defnBytes <= MAX_DEFN) this.defnLines.push(line);
    }
    this.flushDashes();
    this.emit(bytes);
  }
}

function plusOne(i: number): number {
  return i < 0 ? -1 : i + 1;
}
