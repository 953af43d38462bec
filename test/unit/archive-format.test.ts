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
