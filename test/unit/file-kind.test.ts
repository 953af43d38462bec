// What a handed-over file is, decided from its bytes (never its name), and what it says about itself.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseCustomHeader } from '../../shared/archive-header.js';
import { parseTakenAt } from '../../electron/cli/commands/import.js';
import { dumpKindOf } from '../../electron/engine/restore/file-kind.js';
import { fileIdentity } from '../../electron/engine/restore/file-source.js';

/** A custom-format header as pg_dump 15 writes it (archive version 1.14, 4-byte ints). */
function customHeader(format = 1, tm = [12, 10, 3, 15, 4, 125, 0], database = 'shop'): Buffer {
  const int = (n: number) => Buffer.from([0, n & 0xff, (n >> 8) & 0xff, 0, 0]);
  const str = (s: string) => Buffer.concat([int(Buffer.byteLength(s)), Buffer.from(s)]);
  return Buffer.concat([Buffer.from('PGDMP'), Buffer.from([1, 14, 0, 4, 8, format]), int(0), ...tm.map(int), str(database), str('15.20'), str('15.20')]);
}

const PLAIN = '--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.20\n-- Dumped by pg_dump version 15.20\n';

describe('dumpKindOf', () => {
  it('recognises a custom archive, gzipped and plain SQL, and Lifeboat encryption by their bytes', () => {
    expect(dumpKindOf(customHeader(), 'f')).toMatchObject({ kind: 'custom', header: { database: 'shop', pgDumpMajor: 15 } });
    expect(dumpKindOf(gzipSync(PLAIN), 'f')).toEqual({ kind: 'plain', gzip: true });
    expect(dumpKindOf(Buffer.from(PLAIN), 'f')).toEqual({ kind: 'plain', gzip: false });
    expect(dumpKindOf(Buffer.from('LBOATENC\x01\x01'), 'f')).toEqual({ kind: 'encrypted' });
  });

  it('refuses, in one sentence each, what it cannot restore', () => {
    const tar = Buffer.alloc(1024);
    tar.write('ustar', 257);
    expect(() => dumpKindOf(tar, 'x.tar')).toThrow(/x\.tar is a tar archive .*pg_restore --file=dump\.sql/);
    expect(() => dumpKindOf(customHeader(3), 'toc.dat')).toThrow(/table of contents \(toc\.dat\) of a directory-format dump/);
    expect(() => dumpKindOf(gzipSync(customHeader()), 'a.dump.gz')).toThrow(/gzipped pg_dump archive; gunzip it first/);
    expect(() => dumpKindOf(gzipSync('hello'), 'a.gz')).toThrow(/gzip data, but not a SQL dump written by pg_dump/);
    expect(() => dumpKindOf(Buffer.from('SELECT 1;'), 'a.sql')).toThrow(/a\.sql is not a dump Lifeboat can restore/);
    // Nested encryption is not something Lifeboat writes: inside, LBOATENC is just unknown bytes.
    expect(() => dumpKindOf(Buffer.from('LBOATENC\x01\x01'), 'inner', true)).toThrow(/is not a dump Lifeboat can restore/);
  });
});

describe('fileIdentity', () => {
  const mtime = new Date('2024-03-04T05:06:07Z');

  it('a seed-style name gives the exact UTC time; the header gives the exact database name', () => {
    const kind = dumpKindOf(customHeader(1, [12, 10, 3, 15, 4, 125, 0], 'Shop Prod'), 'f');
    expect(fileIdentity('/x/shop-prod_20250515_031012.dump', kind, mtime)).toEqual({ dbName: 'Shop Prod', dbNameFrom: 'archive header', takenAt: new Date('2025-05-15T03:10:12Z'), takenAtFrom: 'file name' });
  });

  it("otherwise the header's time, read in this machine's zone as pg_restore reads it", () => {
    const kind = dumpKindOf(customHeader(), 'f');
    expect(fileIdentity('/x/nightly.dump', kind, mtime)).toEqual({ dbName: 'shop', dbNameFrom: 'archive header', takenAt: new Date(2025, 4, 15, 3, 10, 12), takenAtFrom: 'archive header' });
  });

  it('plain SQL with an ordinary name: no database, the modification time', () => {
    expect(fileIdentity('/x/export.sql', { kind: 'plain', gzip: false }, mtime)).toEqual({ dbName: null, dbNameFrom: null, takenAt: mtime, takenAtFrom: 'modification time' });
  });

  it('parseCustomHeader keeps the struct tm fields and the format code', () => {
    expect(parseCustomHeader(customHeader())).toMatchObject({ createdLocal: { year: 2025, month: 5, day: 15, hour: 3, minute: 10, second: 12 }, archiveFormat: 1 });
  });
});

describe('import --taken-at', () => {
  it('needs a zone, and reads one', () => {
    expect(parseTakenAt('2025-05-15T03:10:12Z')).toEqual(new Date('2025-05-15T03:10:12Z'));
    expect(parseTakenAt('2025-05-15T05:10:12+02:00')).toEqual(new Date('2025-05-15T03:10:12Z'));
    expect(parseTakenAt(undefined)).toBeUndefined();
    expect(() => parseTakenAt('2025-05-15 03:10')).toThrow(/must be a date and time with its zone/);
    expect(() => parseTakenAt('yesterday')).toThrow(/must be a date and time with its zone/);
  });
});
