import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32Combine, zlibHeader } from '../../electron/engine/compress/adler32.js';
import {
  checkCompressionSetting, chooseCompression, compressionOf, compressionRecord, compressionStage, parseCompressOption, pgDumpCompressArgs, pgDumpMajorNeeded,
} from '../../electron/engine/compress/backup-compression.js';
import { LifeboatError } from '../../electron/engine/errors.js';
import { toolTooOldMessage } from '../../electron/engine/pg/tool-discovery.js';
import { mergeCompression } from '../../shared/compression.js';
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
    expect(c).toEqual({ method: 'gzip', level: 6, workers: 3, levelGiven: false });
    expect(pgDumpCompressArgs('custom', c)).toEqual(['--compress=0']);
    expect(pgDumpCompressArgs('plain', c)).toEqual(['--compress=0']);
    expect(compressionRecord('custom', c)).toEqual({ tool: 'lifeboat', algorithm: 'gzip', level: 6, workers: 3 });
  });

  it('by default compresses on all cores but one from 3 cores up, and on every core below that', () => {
    expect([1, 2, 3, 4, 16].map((cores) => defaultCompressWorkers(cores))).toEqual([1, 2, 2, 3, 15]);
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

describe('compression methods: lz4 and zstd (pg_dump 16+), none', () => {
  it('lz4 and zstd are pg_dump\'s own, single-threaded, with its METHOD[:LEVEL] argument; they need pg_dump 16', () => {
    const zstd = chooseCompression('custom', undefined, undefined, 'zstd');
    expect(zstd).toEqual({ method: 'zstd', level: 0, workers: 0, levelGiven: false });
    expect(pgDumpCompressArgs('custom', zstd)).toEqual(['--compress=zstd']);
    expect(pgDumpCompressArgs('custom', chooseCompression('custom', 19, 0, 'zstd'))).toEqual(['--compress=zstd:19']);
    expect(pgDumpCompressArgs('custom', chooseCompression('custom', 12, undefined, 'lz4'))).toEqual(['--compress=lz4:12']);
    expect(compressionStage('custom', zstd)).toBeNull();
    expect(compressionRecord('custom', zstd)).toEqual({ tool: 'pg_dump', algorithm: 'zstd', level: null, workers: 0 });
    expect(compressionRecord('custom', chooseCompression('custom', 3, undefined, 'lz4'))).toEqual({ tool: 'pg_dump', algorithm: 'lz4', level: 3, workers: 0 });
    expect(pgDumpMajorNeeded(zstd)).toBe(16);
    expect(pgDumpMajorNeeded(chooseCompression('custom', undefined, 2, 'gzip'))).toBe(0);
    expect(pgDumpMajorNeeded(chooseCompression('custom', undefined, undefined, 'none'))).toBe(0);
  });

  it('none stores the custom archive as pg_dump -Z0 writes it (any pg_dump)', () => {
    const none = chooseCompression('custom', undefined, undefined, 'none');
    expect(pgDumpCompressArgs('custom', none)).toEqual(['--compress=0']);
    expect(compressionStage('custom', none)).toBeNull();
    expect(compressionRecord('custom', none)).toEqual({ tool: 'pg_dump', algorithm: 'none', level: 0, workers: 0 });
    expect(chooseCompression('custom', 0, 0, 'none').levelGiven).toBe(true);
  });

  it('refuses, in one sentence each, what no pg_dump can do', () => {
    for (const m of ['lz4', 'zstd', 'none'] as const) expect(() => chooseCompression('plain', undefined, undefined, m)).toThrow(/^Plain backups are always stored gzipped \(\.sql\.gz\); .* is for custom-format backups/);
    expect(() => chooseCompression('custom', undefined, 2, 'zstd')).toThrow(/^Lifeboat's compression workers write gzip only; with zstd pg_dump compresses on its own/);
    expect(() => chooseCompression('custom', 23, undefined, 'zstd')).toThrow(/^The compression level "23" is not valid for zstd; use a whole number from 1 to 22/);
    expect(() => chooseCompression('custom', 13, undefined, 'lz4')).toThrow(/not valid for lz4; use a whole number from 1 to 12/);
    expect(() => chooseCompression('custom', 0, undefined, 'zstd')).toThrow(/not valid for zstd/);
    expect(() => chooseCompression('custom', 5, undefined, 'none')).toThrow(/^A compression level \(5\) means nothing for a backup stored uncompressed/);
    expect(() => chooseCompression('custom', undefined, undefined, 'brotli' as never)).toThrow(/^Unknown compression method "brotli"; use gzip, lz4, zstd, none\.$/);
    // No message names a command-line flag: the app shows the same words.
    // (Plain SQL at level 0 is accepted: Lifeboat stores its gzip members undeflated.)
    expect(chooseCompression('plain', 0, 0).level).toBe(0);
    for (const bad of [() => chooseCompression('custom', undefined, 2, 'lz4'), () => chooseCompression('plain', undefined, undefined, 'zstd')]) {
      expect(bad).toThrow(LifeboatError);
      expect(bad).not.toThrow(/(^|\s)--[a-z]/);
    }
  });

  it('a kept setting: a level alone keeps the method, a method alone takes its default level; checked against the format', () => {
    expect(mergeCompression(null, {})).toEqual({ method: 'gzip', level: null });
    expect(mergeCompression({ method: 'zstd', level: null }, { level: 19 })).toEqual({ method: 'zstd', level: 19 });
    expect(mergeCompression({ method: 'zstd', level: 19 }, { method: 'lz4' })).toEqual({ method: 'lz4', level: null });
    expect(mergeCompression({ method: 'gzip', level: 9 }, { method: 'zstd', level: 3 })).toEqual({ method: 'zstd', level: 3 });
    expect(compressionOf(null)).toEqual({});
    expect(compressionOf({ method: 'zstd', level: null })).toEqual({ compressMethod: 'zstd' });
    expect(compressionOf({ method: 'gzip', level: 9 })).toEqual({ compressMethod: 'gzip', compressLevel: 9 });
    expect(() => checkCompressionSetting('custom', { method: 'zstd', level: 22 })).not.toThrow();
    expect(() => checkCompressionSetting('plain', { method: 'gzip', level: 0 })).not.toThrow(); // Lifeboat's workers gzip it
    expect(() => checkCompressionSetting('plain', { method: 'zstd', level: null })).toThrow(/^Plain backups/);
  });

  it('an older pg_dump: one sentence naming the versions found and what to install', () => {
    const found = [{ path: '/usr/lib/postgresql/15/bin/pg_dump', version: '15.20', major: 15 }];
    expect(toolTooOldMessage('Compressing with zstd', 'pg_dump', 16, found, 'choose gzip compression', 'linux')).toBe(
      'Compressing with zstd needs pg_dump 16 or newer, and the pg_dump found is 15.20 (/usr/lib/postgresql/15/bin/pg_dump); install pg_dump 16 or newer (apt-get install postgresql-client-16 (from the PostgreSQL apt repository, apt.postgresql.org) or dnf install postgresql16), or choose gzip compression.',
    );
    expect(toolTooOldMessage('Compressing with lz4', 'pg_dump', 16, [], 'choose gzip compression', 'darwin')).toBe(
      'Compressing with lz4 needs pg_dump 16 or newer, and no pg_dump was found; install pg_dump 16 or newer (brew install postgresql@16), or choose gzip compression.',
    );
  });
});
