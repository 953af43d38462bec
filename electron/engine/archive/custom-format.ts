// pg_dump's custom archive format, read as a stream (src/bin/pg_dump/pg_backup_archiver.c: ReadHead,
// ReadToc, ReadInt, ReadStr, ReadOffset; pg_backup_custom.c: _ReadExtraToc, _StartData, _ReadBuf).
// Supported: archive versions 1.12 to 1.16 (pg_dump 9.x-era 1.12/1.13 and 12–17's 1.14–1.16).
//
//   header  "PGDMP" vmaj vmin vrev intSize offSize format compression time(7 ints) db server pg_dump
//   TOC     count, then per entry: dumpId hadDumper tableoid oid tag desc section defn dropStmt
//           copyStmt namespace tablespace [tableam ≥1.14] [relkind ≥1.16] owner withOids deps… dataState+offset
//   data    per block: type byte (1 = table data, 3 = large objects), dumpId, then chunks
//           (int length + bytes, 0 ends); large objects: (oid, chunks…)… until oid 0
//
// An int is a sign byte then intSize bytes little-endian; a string is an int length (-1 = NULL) then bytes.
import type { ByteReader } from './byte-reader.js';

export const BLK_DATA = 1;
export const BLK_BLOBS = 3;

const v = (a: number, b: number, c = 0): number => (a << 16) | (b << 8) | c;
export const MIN_VERSION = v(1, 12);
export const MAX_VERSION = v(1, 16);

export type ArchiveCompression = 'none' | 'gzip' | 'lz4' | 'zstd';

export interface ArchiveHead {
  /** e.g. "1.14". */
  version: string;
  intSize: number;
  offSize: number;
  compression: ArchiveCompression;
  database: string | null;
  serverVersion: string | null;
  pgDumpVersion: string | null;
  /** Bytes the header takes (the TOC starts here). */
  bytes: number;
}

export interface TocEntry {
  dumpId: number;
  hadDumper: boolean;
  tableOid: string | null;
  oid: string | null;
  tag: string | null;
  desc: string | null;
  section: number;
  defn: string | null;
  dropStmt: string | null;
  copyStmt: string | null;
  namespace: string | null;
  tablespace: string | null;
  tableam: string | null;
  owner: string | null;
  dependencies: number[];
  /** 1 = offset not set (written to a pipe), 2 = offset set, 3 = no data. */
  dataState: number;
  /** The data offset pg_dump recorded (only when dataState is 2). */
  dataOffset: number | null;
  /**
   * Where this entry's offset field (state byte + offSize bytes) lies in the archive: a partial
   * copy patches it to "set" so pg_restore seeks straight to the block (restore/ranged-copy.ts).
   */
  offsetAt: number;
}

export class ArchiveFormatError extends Error {}

function versionNumber(h: ArchiveHead): number {
  const [a, b] = h.version.split('.').map(Number);
  return v(a ?? 0, b ?? 0);
}

export class ArchiveInts {
  constructor(
    private readonly r: ByteReader,
    readonly intSize: number,
    readonly offSize: number,
  ) {}

  /** Absolute position of the next byte the reader gives. */
  get position(): number {
    return this.r.position;
  }

  async int(): Promise<number> {
    const sign = await this.r.byte();
    const b = await this.r.read(this.intSize);
    let res = 0;
    let mult = 1;
    for (let i = 0; i < this.intSize; i++) {
      res += (b[i] as number) * mult;
      mult *= 256;
    }
    return sign ? -res : res;
  }

  async str(maxBytes = 1 << 30): Promise<string | null> {
    const len = await this.int();
    if (len < 0) return null;
    if (len > maxBytes) throw new ArchiveFormatError(`a string of ${len} bytes is longer than an archive holds`);
    return len === 0 ? '' : (await this.r.read(len)).toString('utf8');
  }

  async offset(): Promise<{ state: number; offset: number }> {
    const state = await this.r.byte();
    const b = await this.r.read(this.offSize);
    let res = 0;
    let mult = 1;
    for (let i = 0; i < this.offSize; i++) {
      res += (b[i] as number) * mult;
      mult *= 256;
    }
    return { state, offset: res };
  }
}

/** Reads the archive header from the reader's current position (the archive's first byte). */
export async function readArchiveHead(r: ByteReader): Promise<{ head: ArchiveHead; ints: ArchiveInts }> {
  const start = r.position;
  const magic = (await r.read(5)).toString('latin1');
  if (magic !== 'PGDMP') throw new ArchiveFormatError('it is not a pg_dump custom-format archive (no PGDMP at its start)');
  const vmaj = await r.byte();
  const vmin = await r.byte();
  const vrev = await r.byte();
  const version = v(vmaj, vmin, vrev);
  if (version < MIN_VERSION || version > v(1, 16, 255)) {
    throw new ArchiveFormatError(`its archive version ${vmaj}.${vmin} is outside what Lifeboat reads (1.12 to 1.16, pg_dump 9.x to 17)`);
  }
  const intSize = await r.byte();
  const offSize = await r.byte();
  if (intSize < 1 || intSize > 8 || offSize < 1 || offSize > 8) throw new ArchiveFormatError(`its integer sizes (${intSize}, ${offSize}) are invalid`);
  const format = await r.byte();
  if (format !== 1) throw new ArchiveFormatError(`its format byte is ${format}, not 1 (custom)`);
  const ints = new ArchiveInts(r, intSize, offSize);
  let compression: ArchiveCompression;
  if (version >= v(1, 15)) {
    const alg = await r.byte();
    const names: Record<number, ArchiveCompression> = { 0: 'none', 1: 'gzip', 2: 'lz4', 3: 'zstd' };
    const c = names[alg];
    if (!c) throw new ArchiveFormatError(`its compression algorithm ${alg} is unknown`);
    compression = c;
  } else {
    compression = (await ints.int()) === 0 ? 'none' : 'gzip';
  }
  for (let i = 0; i < 7; i++) await ints.int(); // creation time
  const database = await ints.str(65536);
  const serverVersion = await ints.str(65536);
  const pgDumpVersion = await ints.str(65536);
  const head: ArchiveHead = { version: `${vmaj}.${vmin}`, intSize, offSize, compression, database, serverVersion, pgDumpVersion, bytes: r.position - start };
  return { head, ints };
}

/** Reads the table of contents that follows the header. */
export async function readToc(head: ArchiveHead, ints: ArchiveInts): Promise<TocEntry[]> {
  const version = versionNumber(head);
  const count = await ints.int();
  if (count < 0 || count > 50_000_000) throw new ArchiveFormatError(`its table of contents claims ${count} entries`);
  const entries: TocEntry[] = [];
  for (let i = 0; i < count; i++) {
    const dumpId = await ints.int();
    const hadDumper = (await ints.int()) !== 0;
    const tableOid = await ints.str();
    const oid = await ints.str();
    const tag = await ints.str();
    const desc = await ints.str();
    const section = await ints.int();
    const defn = await ints.str();
    const dropStmt = await ints.str();
    const copyStmt = await ints.str();
    const namespace = await ints.str();
    const tablespace = await ints.str();
    const tableam = version >= v(1, 14) ? await ints.str() : null;
    if (version >= v(1, 16)) await ints.int(); // relkind
    const owner = await ints.str();
    await ints.str(); // "false": WITH OIDS, gone since 12
    const dependencies: number[] = [];
    for (;;) {
      const dep = await ints.str(64);
      if (dep === null) break;
      dependencies.push(Number(dep));
    }
    const offsetAt = ints.position;
    const { state, offset } = await ints.offset();
    entries.push({
      dumpId, hadDumper, tableOid, oid, tag, desc, section, defn, dropStmt, copyStmt, namespace, tablespace, tableam, owner, dependencies,
      dataState: state, dataOffset: state === 2 ? offset : null, offsetAt,
    });
  }
  return entries;
}

/** The start of a data block: its type and dump id (the id the index promises at that offset). */
export async function readBlockStart(r: ByteReader, ints: ArchiveInts): Promise<{ type: number; dumpId: number }> {
  const type = await r.byte();
  if (type !== BLK_DATA && type !== BLK_BLOBS) throw new ArchiveFormatError(`a data block has type ${type} at byte ${r.position - 1} (expected 1 or 3)`);
  const dumpId = await ints.int();
  return { type, dumpId };
}

/**
 * Reads one stream of length-prefixed chunks up to its zero terminator, handing each chunk on;
 * the handler returning false stops early (peek has its rows), leaving the reader mid-stream.
 */
export async function readChunks(r: ByteReader, ints: ArchiveInts, onChunk: (bytes: Buffer) => boolean | Promise<boolean>): Promise<boolean> {
  for (;;) {
    const len = await ints.int();
    if (len === 0) return true;
    if (len < 0 || len > 1 << 30) throw new ArchiveFormatError(`a data chunk claims ${len} bytes at byte ${r.position}`);
    const bytes = await r.read(len);
    if (!(await onChunk(bytes))) return false;
  }
}

/** Skips a large-objects block's body: (oid, chunks…) pairs until oid 0. Returns how many objects. */
export async function skipBlobs(r: ByteReader, ints: ArchiveInts): Promise<number> {
  let n = 0;
  for (let oid = await ints.int(); oid !== 0; oid = await ints.int()) {
    await readChunks(r, ints, () => true);
    n++;
  }
  return n;
}

/** Schema and column names from a TOC entry's copy statement: COPY public.t (a, "B c") FROM stdin; */
export function columnsOfCopyStatement(copyStmt: string | null): string[] {
  if (!copyStmt) return [];
  const open = copyStmt.indexOf('(');
  const close = copyStmt.lastIndexOf(') FROM stdin');
  if (open < 0 || close < open) return [];
  const list = copyStmt.slice(open + 1, close);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i] as string;
    if (quoted) {
      if (ch === '"' && list[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}
