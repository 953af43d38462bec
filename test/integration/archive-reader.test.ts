// The streaming reader of pg_dump's custom format against archives written by the real pg_dump 15
// (compressed and -Z0, with large objects and empty tables): every data block is found where it
// is, with the rows PostgreSQL counts and the fingerprint of PostgreSQL's own COPY output.
import { execFile, spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyRowStats } from '../../electron/engine/archive/copy-text.js';
import { scanArchive } from '../../electron/engine/archive/scan-archive.js';
import { seedRealisticDatabase } from '../support/fixtures.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN } from '../support/rich-database.js';

const execFileAsync = promisify(execFile);
let pg: PgCluster;

async function dump(args: string[]): Promise<Buffer> {
  const { stdout } = await execFileAsync(`${PG15_BIN}/pg_dump`, ['--format=custom', ...args, '--dbname', pg.url('shop')], { encoding: 'buffer', maxBuffer: 1 << 30 });
  return stdout;
}

/** PostgreSQL's own COPY … TO STDOUT of a table, as psql writes it. */
async function copyOut(table: string): Promise<Buffer> {
  const { stdout } = await execFileAsync(`${PG15_BIN}/psql`, ['-X', '-q', '-d', pg.url('shop'), '-c', `COPY ${table} TO STDOUT`], { encoding: 'buffer', maxBuffer: 1 << 30 });
  return stdout;
}

function inPieces(buf: Buffer, size: number): AsyncIterable<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) pieces.push(buf.subarray(i, i + size));
  return Readable.from(pieces);
}

beforeAll(async () => {
  pg = await startCluster({ major: 15 });
  await pg.createDatabase('shop');
  await seedRealisticDatabase(pg, 'shop', { rows: 2000 });
  await pg.query(
    `CREATE TABLE public.empty_one (a int, b text);
     CREATE TABLE public.odd_text (t text, b bytea, j json, arr text[]);
     INSERT INTO public.odd_text VALUES (E'tab\\there', '\\x00ff', '{"a": "b\\\\c"}', ARRAY['x,y', NULL, '']),
       (E'back\\\\slash\\nnewline', '', 'null', '{}'), (NULL, NULL, NULL, NULL), ('', NULL, '[]', ARRAY['"q"']),
       (E'tab\\there', '\\x00ff', '{"a": "b\\\\c"}', ARRAY['x,y', NULL, '']);
     CREATE VIEW public.v AS SELECT 1 AS one;
     CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
     SELECT lo_from_bytea(0, '\\x0102');`,
    [],
    'shop',
  );
});

afterAll(async () => {
  await pg?.stop();
});

describe.each([
  ['compressed (gzip)', []],
  ['uncompressed (-Z0)', ['-Z0']],
])('a pg_dump 15 archive, %s, read as a stream', (_name, args) => {
  it('finds every data block with PostgreSQL’s counts and COPY fingerprints', async () => {
    const archive = await dump(args);
    // Odd piece sizes: every structure is cut across reads somewhere.
    const scan = await scanArchive(inPieces(archive, 997));
    expect(scan.bytes).toBe(archive.length);
    expect(scan.head.version).toBe('1.14');
    expect(scan.head.compression).toBe(args.length ? 'none' : 'gzip');
    expect(scan.head.database).toBe('shop');
    expect(scan.head.pgDumpVersion).toMatch(/^15\./);

    // The TOC matches pg_restore's own listing, entry for entry.
    const { stdout: list } = await new Promise<{ stdout: string }>((resolve, reject) => {
      const p = spawn(`${PG15_BIN}/pg_restore`, ['-l']);
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.on('error', reject);
      p.on('close', () => resolve({ stdout: out }));
      p.stdin.on('error', () => undefined); // pg_restore -l stops reading after the TOC
      p.stdin.end(archive);
    });
    const ids = list.split('\n').filter((l) => /^\d+;/.test(l)).map((l) => Number(l.split(';')[0]));
    // (-l leaves out the entries it handles itself: ENCODING, STDSTRINGS, SEARCHPATH, DATABASE.)
    const ours = new Set(scan.toc.map((e) => e.dumpId));
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) expect(ours.has(id)).toBe(true);

    const dataEntries = scan.toc.filter((e) => e.hadDumper && (e.desc === 'TABLE DATA' || e.desc === 'BLOBS'));
    expect(scan.blocks.map((b) => b.dumpId)).toEqual(dataEntries.map((e) => e.dumpId));
    expect(scan.blocks[0]?.offset).toBe(scan.tocEnd);
    for (let i = 1; i < scan.blocks.length; i++) expect(scan.blocks[i]?.offset).toBe(scan.blocks[i - 1]?.end);

    for (const block of scan.blocks) {
      const entry = scan.toc.find((e) => e.dumpId === block.dumpId)!;
      // Each block really starts at its offset: type byte 1 (data) or 3 (large objects), then its id.
      expect(archive[block.offset]).toBe(entry.desc === 'BLOBS' ? 3 : 1);
      if (entry.desc === 'BLOBS') {
        expect(block.largeObjects).toBe(2);
        continue;
      }
      const table = `"${entry.namespace}"."${entry.tag}"`.replaceAll('"Table With "Quotes" and spaces"', '"Table With ""Quotes"" and spaces"');
      const [{ n }] = await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`, [], 'shop') as [{ n: string }];
      expect(block.rows, table).toBe(Number(n));
      const own = new CopyRowStats();
      own.push(await copyOut(table));
      expect(block.fingerprint, table).toBe(own.fingerprint());
      expect(block.rawBytes, table).toBe(own.rawBytes);
    }
    const empty = scan.toc.find((e) => e.tag === 'empty_one' && e.desc === 'TABLE DATA')!;
    expect(scan.blocks.find((b) => b.dumpId === empty.dumpId)?.rows).toBe(0);
  });
});

it('gives one fingerprint for the same rows in another physical order, and another for other rows', async () => {
  const before = await scanArchive(inPieces(await dump([]), 65536));
  await pg.query(`UPDATE sales.customers SET name = name WHERE id % 3 = 0`, [], 'shop');
  await pg.query(`VACUUM FULL sales.customers`, [], 'shop');
  const reordered = await scanArchive(inPieces(await dump([]), 65536));
  await pg.query(`UPDATE sales.customers SET name = name || '!' WHERE id = 7`, [], 'shop');
  const changed = await scanArchive(inPieces(await dump([]), 65536));
  const fp = (s: typeof before): string | null => {
    const e = s.toc.find((t) => t.tag === 'customers' && t.desc === 'TABLE DATA')!;
    return s.blocks.find((b) => b.dumpId === e.dumpId)?.fingerprint ?? null;
  };
  expect(fp(reordered)).toBe(fp(before));
  expect(fp(changed)).not.toBe(fp(before));
});
