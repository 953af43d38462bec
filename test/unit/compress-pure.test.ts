import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32Combine, zlibHeader } from '../../electron/engine/compress/adler32.js';
import { chooseCompression, compressionRecord, parseCompressOption, pgDumpCompressArgs } from '../../electron/engine/compress/backup-compression.js';
import { defaultCompressWorkers } from '../../electron/engine/compress/compress-pool.js';

/** The adler32 zlib itself computes (the last 4 bytes of a zlib stream). */
function zlibAdler(b: Buffer): number {
  const z = deflateSync(b, { level: 0 });
  return z.readUInt32BE(z.length - 4);
}

describe('adler32Combine', () => {
  it("equals zlib's checksum of the whole input, wherever it is cut", () => {
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    for (const cut of [0, 1, 5552, 65521, 131_042, 150_000, 299_999, 300_000]) {
      expect(adler32Combine(zlibAdler(data.subarray(0, cut)), zlibAdler(data.subarray(cut)), data.length - cut), `cut at ${cut}`).toBe(zlibAdler(data));
    }
  });
});

describe('zlibHeader', () => {
  it("is the header zlib's deflateInit writes at each level", () => {
    for (let level = 0; level <= 9; level++) expect(zlibHeader(level).equals(deflateSync(Buffer.from('x'), { level }).subarray(0, 2)), `level ${level}`).toBe(true);
    // and the check bits make it a valid header for inflate
    expect(inflateSync(Buffer.concat([zlibHeader(9), deflateSync(Buffer.from('abc'), { level: 9 }).subarray(2)])).toString()).toBe('abc');
  });
});

describe('compression options', () => {
  it('defaults to level 6 in workers, with pg_dump writing -Z0', () => {
    const c = chooseCompression('custom', undefined, 3);
    expect(c).toEqual({ level: 6, workers: 3, levelGiven: false });
    expect(pgDumpCompressArgs('custom', c)).toEqual(['--compress=0']);
    expect(pgDumpCompressArgs('plain', c)).toEqual(['--compress=0']);
    expect(compressionRecord('custom', c)).toEqual({ tool: 'lifeboat', algorithm: 'gzip', level: 6, workers: 3 });
  });

  it('by default compresses on all cores but one from 3 cores up; below that pg_dump compresses', () => {
    expect([1, 2, 3, 4, 16].map((cores) => defaultCompressWorkers(cores))).toEqual([0, 0, 2, 3, 15]);
    expect(chooseCompression('custom', undefined, undefined).workers).toBe(defaultCompressWorkers());
  });

  it('with 0 workers leaves compression of archives to pg_dump, as before (its default unless a level is given); plain SQL Lifeboat always gzips itself', () => {
    expect(pgDumpCompressArgs('custom', chooseCompression('custom', undefined, 0))).toEqual([]);
    expect(pgDumpCompressArgs('custom', chooseCompression('custom', 9, 0))).toEqual(['--compress=9']);
    // Plain: gzip members cut at COPY blocks, so the backup can be indexed (compress/plain-members.ts).
    expect(pgDumpCompressArgs('plain', chooseCompression('plain', undefined, 0))).toEqual(['--compress=0']);
    expect(compressionRecord('plain', chooseCompression('plain', undefined, 0))).toEqual({ tool: 'lifeboat', algorithm: 'gzip', level: 6, workers: 0 });
    expect(compressionRecord('plain', chooseCompression('plain', 0, 0))).toEqual({ tool: 'lifeboat', algorithm: 'gzip', level: 0, workers: 0 });
    expect(compressionRecord('custom', chooseCompression('custom', undefined, 0))).toEqual({ tool: 'pg_dump', algorithm: 'gzip', level: null, workers: 0 });
    expect(compressionRecord('custom', chooseCompression('custom', 0, 2))).toEqual({ tool: 'pg_dump', algorithm: 'none', level: 0, workers: 0 });
  });

  it('refuses bad values with one sentence saying what to use', () => {
    for (const [level, workers] of [[10, 1], [-1, 1], [1.5, 1], [6, -1], [6, 65], [6, 0.5]] as const) {
      expect(() => chooseCompression('custom', level, workers)).toThrow(/is not valid; use a whole number from/);
    }
    expect(() => chooseCompression('plain', 10, 0)).toThrow(/^The compression level "10" is not valid/);
    expect(parseCompressOption(' 4 ', 'level')).toBe(4);
    expect(parseCompressOption(undefined, 'workers')).toBeUndefined();
    for (const raw of ['', 'two', '1e3', '0x2', '-1', '2.0']) expect(() => parseCompressOption(raw, 'workers')).toThrow(/^The number of compression workers ".*" is not valid/);
  });
});
