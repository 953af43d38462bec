// Pure parts of the archive reader and index: COPY text decoding, fingerprints, encrypted ranges,
// index validation, and header/TOC parsing of the archive versions pg_dump 16 and 17 write (1.15,
// 1.16), which cannot be produced here (only pg_dump 15 is installed): built byte by byte as
// pg_backup_archiver.c's WriteHead/WriteToc write them.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteReader } from '../../electron/engine/archive/byte-reader.js';
import { CopyRowStats, decodeCopyField, decodeCopyLine } from '../../electron/engine/archive/copy-text.js';
import { columnsOfCopyStatement, readArchiveHead, readToc } from '../../electron/engine/archive/custom-format.js';
import { parseIndexText, storedRange } from '../../electron/engine/archive/index-file.js';
import { parseCopyTarget } from '../../electron/engine/archive/plain-sql-scan.js';
import { BlockDecoder } from '../../electron/engine/archive/block-decoder.js';
import { scanArchive } from '../../electron/engine/archive/scan-archive.js';
import { countsFromScan } from '../../electron/engine/archive/stream-counts.js';
import { parseCustomHeader } from '../../shared/archive-header.js';

function int(n: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = n < 0 ? 1 : 0;
  b.writeUInt32LE(Math.abs(n), 1);
  return b;
}
function str(s: string | null): Buffer {
  if (s === null) return int(-1);
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([int(bytes.length), bytes]);
}

function archive(minor: number): Buffer {
  const head: Buffer[] = [Buffer.from('PGDMP'), Buffer.from([1, minor, 0, 4, 8, 1])];
  head.push(minor >= 15 ? Buffer.from([3]) : int(-1)); // zstd, or a zlib level
  for (let i = 0; i < 7; i++) head.push(int(i));
  head.push(str('shop'), str('17.2'), str('17.2'));
  const entry: Buffer[] = [int(7), int(1), str('1259'), str('16384'), str('orders'), str('TABLE DATA'), int(3), str(''), str(''), str('COPY sales.orders (id, "Total ""€""") FROM stdin;\n'), str('sales'), str(''), str('heap')];
  if (minor >= 16) entry.push(int(114)); // relkind 'r'
  entry.push(str('postgres'), str('false'), str('5'), str('6'), str(null), Buffer.from([1]), Buffer.alloc(8));
  return Buffer.concat([...head, int(1), ...entry]);
}

describe('archive versions of pg_dump 16 (1.15) and 17 (1.16)', () => {
  it.each([14, 15, 16])('reads the header and TOC of version 1.%i', async (minor) => {
    const r = new ByteReader(Readable.from([archive(minor)]));
    const { head, ints } = await readArchiveHead(r);
    expect(head).toMatchObject({ version: `1.${minor}`, compression: minor >= 15 ? 'zstd' : 'gzip', database: 'shop', pgDumpVersion: '17.2' });
    const toc = await readToc(head, ints);
    expect(toc).toEqual([expect.objectContaining({ dumpId: 7, tag: 'orders', desc: 'TABLE DATA', namespace: 'sales', owner: 'postgres', dependencies: [5, 6], dataState: 1, tableam: 'heap' })]);
    expect(columnsOfCopyStatement(toc[0]?.copyStmt ?? null)).toEqual(['id', 'Total "€"']);
    expect(await r.atEnd()).toBe(true);
  });

  it('refuses what is not an archive, in one sentence', async () => {
    await expect(readArchiveHead(new ByteReader(Readable.from([Buffer.from('-- SQL dump\n')])))).rejects.toThrow(/not a pg_dump custom-format archive/);
    const future = archive(16);
    future[6] = 17;
    await expect(readArchiveHead(new ByteReader(Readable.from([future])))).rejects.toThrow(/archive version 1\.17 is outside/);
  });
});

/**
 * A header exactly as pg_backup_archiver.c's WriteHead writes it: magic, version bytes, int and
 * offset sizes, format (1 = custom), then from 1.15 one byte of pg_compress_algorithm (0 none,
 * 1 gzip, 2 lz4, 3 zstd; common/compression.h) and before it an int zlib level (-1 = default);
 * the creation time as 7 ints of struct tm; database, server version and pg_dump version strings.
 */
function headerBytes(minor: number, compression: Buffer, pgDump: string): Buffer {
  const tm = [5, 4, 3, 2, 0, 125, 0]; // 2025-01-02 03:04:05, tm_mon 0-based, tm_year since 1900
  return Buffer.concat([Buffer.from('PGDMP'), Buffer.from([1, minor, 0, 4, 8, 1]), compression, ...tm.map(int), str('shop'), str('16.4'), str(pgDump)]);
}

describe('the compression the header names (pg_dump 16+: lz4 and zstd)', () => {
  const algorithms = [[0, 'none'], [1, 'gzip'], [2, 'lz4'], [3, 'zstd']] as const;
  it.each(algorithms.flatMap(([byte, name]) => [15, 16].map((minor) => [minor, byte, name] as const)))('1.%i with algorithm byte %i reads as %s, and so does the quick header parse', async (minor, byte, name) => {
    const bytes = headerBytes(minor, Buffer.from([byte]), '17.2');
    const r = new ByteReader(Readable.from([bytes]));
    const { head } = await readArchiveHead(r);
    expect(head).toMatchObject({ version: `1.${minor}`, compression: name, database: 'shop', serverVersion: '16.4', pgDumpVersion: '17.2', bytes: bytes.length });
    expect(await r.atEnd()).toBe(true);
    // The header peek that picks pg_restore skips the same single byte (not an int) to reach the time and strings.
    expect(parseCustomHeader(bytes)).toEqual({ kind: 'custom', pgDumpVersion: '17.2', pgDumpMajor: 17, serverVersion: '16.4', database: 'shop', archiveFormat: 1, createdLocal: { year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5 } });
  });

  it.each([[0, 'none'], [-1, 'gzip'], [6, 'gzip'], [9, 'gzip']] as const)('1.14 (pg_dump 12-15) with zlib level %i reads as %s', async (level, name) => {
    const { head } = await readArchiveHead(new ByteReader(Readable.from([headerBytes(14, int(level), '15.20')])));
    expect(head).toMatchObject({ version: '1.14', compression: name, pgDumpVersion: '15.20' });
    expect(parseCustomHeader(headerBytes(14, int(level), '15.20'))?.pgDumpMajor).toBe(15);
  });

  it('refuses an algorithm byte it does not know, in one sentence', async () => {
    await expect(readArchiveHead(new ByteReader(Readable.from([headerBytes(16, Buffer.from([4]), '18.1')])))).rejects.toThrow(/^its compression algorithm 4 is unknown$/);
  });

  it('a zstd archive is indexed block by block, but its rows are not read: counts fall back to the server, peek says why', async () => {
    const toc = archive(16).subarray(headerBytes(16, Buffer.from([3]), '17.2').length);
    // One data block of dump id 7: two chunks of (opaque, here made-up) zstd frame bytes, then the 0 terminator.
    const block = Buffer.concat([Buffer.from([1]), int(7), int(3), Buffer.from([0x28, 0xb5, 0x2f]), int(2), Buffer.from([0xfd, 0x00]), int(0)]);
    const scan = await scanArchive(Readable.from([headerBytes(16, Buffer.from([3]), '17.2'), toc, block]));
    expect(scan.head.compression).toBe('zstd');
    expect(scan.blocks).toEqual([{ dumpId: 7, type: 1, offset: scan.tocEnd, end: scan.bytes, rows: null, rawBytes: null, fingerprint: null }]);
    expect(countsFromScan({ kind: 'custom', scan })).toBeNull();
    expect(new BlockDecoder('zstd', () => undefined).supported).toBe(false);
    expect(new BlockDecoder('lz4', () => undefined).supported).toBe(false);
  });
});

describe('COPY text', () => {
  it('decodes fields as the text form of PostgreSQL: NULL, empty, escapes', () => {
    expect(decodeCopyLine('\\N\t\t\\\\N\ta\\tb\\nc\\\\d\t\\\\x00ff')).toEqual([null, '', '\\N', 'a\tb\nc\\d', '\\x00ff']);
    expect(decodeCopyField('\\101\\x41\\r\\b\\f\\v')).toBe('AA\r\b\f\v');
  });

  it('fingerprints rows independently of their order, and duplicates do not cancel', () => {
    const fp = (text: string, pieces = 3): string => {
      const s = new CopyRowStats();
      const b = Buffer.from(text);
      for (let i = 0; i < b.length; i += pieces) s.push(b.subarray(i, i + pieces));
      return s.fingerprint();
    };
    expect(fp('a\t1\nb\t2\nc\t3\n')).toBe(fp('c\t3\na\t1\nb\t2\n', 1));
    expect(fp('a\t1\na\t1\n')).not.toBe(fp(''));
    expect(fp('')).toBe('0'.repeat(32));
    expect(fp('a\t1\n\\.\nignored\n')).toBe(fp('a\t1\n'));
  });

  it('reads the table a plain dump COPY statement names', () => {
    expect(parseCopyTarget('COPY "Odd Schema"."Table With ""Quotes"" and spaces" ("Weird Column") FROM stdin;')).toEqual({ schema: 'Odd Schema', name: 'Table With "Quotes" and spaces' });
    expect(parseCopyTarget('COPY public.t (a) FROM stdin;')).toEqual({ schema: 'public', name: 't' });
    expect(parseCopyTarget('-- COPY public.t')).toBeNull();
  });
});

describe('the index', () => {
  it('maps a plaintext range to the whole encrypted chunks that hold it', () => {
    const enc = { headerBytes: 100, chunkSize: 10 };
    // Plaintext 25 bytes: chunks [0,10) [10,20) [20,25), stored at 100, 126, 152 (+16-byte tags).
    expect(storedRange(12, 18, enc, 25)).toEqual({ offset: 126, end: 152 });
    expect(storedRange(5, 22, enc, 25)).toEqual({ offset: 100, end: 100 + 26 + 26 + 5 + 16 });
    expect(storedRange(5, 22, null, 25)).toEqual({ offset: 5, end: 22 });
  });

  it('refuses a damaged, foreign or newer index with a reason', () => {
    expect(parseIndexText('{', 'k')).toMatchObject({ status: 'damaged', problem: 'its index is not valid JSON' });
    expect(parseIndexText('{"formatVersion": 9}', 'k')).toMatchObject({ status: 'newer-format' });
    expect(parseIndexText('{"formatVersion": 1, "key": "k"}', 'k')).toMatchObject({ status: 'damaged' });
  });
});
