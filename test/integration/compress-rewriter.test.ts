// The block re-writer against the real pg_dump and pg_restore (PostgreSQL 15): fed pg_dump -Z0
// output in random pieces, with random piece sizes, levels and worker counts, it must write an
// archive that pg_restore restores to the same contents, whose blocks scan to the same rows, and
// whose `pg_restore --list` is pg_dump's own but for the creation time and compression lines.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockTextStats } from '../../electron/engine/archive/block-text-stats.js';
import { scanArchive, type ArchiveScan } from '../../electron/engine/archive/scan-archive.js';
import { CompressPool } from '../../electron/engine/compress/compress-pool.js';
import { plainSqlMembers } from '../../electron/engine/compress/plain-members.js';
import { rewriteCustomArchive } from '../../electron/engine/compress/rewrite-custom.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN, contentHashes, schemaDump, seedRichDatabase } from '../support/rich-database.js';

const execFileAsync = promisify(execFile);
const DB = 'source';

let pg: PgCluster;
let work: string;
let plainArchive: Buffer;

/** A small deterministic generator (mulberry32), so a failing case can be re-run from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bytes in pieces of random sizes (1 byte to 128 KiB), as a pipe might hand them over. */
function inRandomPieces(bytes: Buffer, rnd: () => number): AsyncIterable<Buffer> {
  return Readable.from(randomCuts(bytes, rnd));
}

function randomCuts(bytes: Buffer, rnd: () => number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = rnd() < 0.3 ? 1 + Math.floor(rnd() * 16) : 1 + Math.floor(rnd() * 128 * 1024);
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

/**
 * The same, lent as a backup's pg_dump output is (jobs/borrowed-output.ts): every piece is a view
 * of one buffer, scribbled over before the next piece is copied in, so a re-writer that kept a
 * piece past the next read instead of copying it would write garbage and fail the comparisons.
 */
function lentInRandomPieces(bytes: Buffer, rnd: () => number): AsyncIterable<Buffer> {
  function* lend(): Generator<Buffer> {
    const lent = Buffer.alloc(128 * 1024);
    for (const piece of randomCuts(bytes, rnd)) {
      lent.fill(0xa5);
      piece.copy(lent);
      yield lent.subarray(0, piece.length);
    }
    lent.fill(0xa5);
  }
  const pieces = lend();
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(pieces.next()) }) };
}

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of gen) parts.push(b);
  return Buffer.concat(parts);
}

async function pgDump(args: string[]): Promise<Buffer> {
  const { stdout } = await execFileAsync(`${PG15_BIN}/pg_dump`, [...args, `--dbname=${pg.url(DB)}`], { encoding: 'buffer', maxBuffer: 1 << 30 });
  return stdout;
}

function blocksOf(scan: ArchiveScan): unknown[] {
  return scan.blocks.map((b) => ({ dumpId: b.dumpId, type: b.type, rows: b.rows, fingerprint: b.fingerprint, largeObjects: b.largeObjects }));
}

async function restoreInto(archive: Buffer, db: string): Promise<void> {
  const file = path.join(work, `${db}.dump`);
  await writeFile(file, archive);
  await pg.createDatabase(db);
  await execFileAsync(`${PG15_BIN}/pg_restore`, ['--exit-on-error', '--no-owner', `--dbname=${pg.url(db)}`, file]);
}

beforeAll(async () => {
  [pg, work] = await Promise.all([startCluster({ major: 15 }), mkdtemp(path.join(tmpdir(), 'lifeboat-rewriter-'))]);
  await pg.createDatabase(DB);
  await seedRichDatabase(pg, DB);
  await pg.query(
    `CREATE TABLE public.empty_table (id int, note text);
     CREATE TABLE public.wide AS SELECT g AS id, md5(g::text) || repeat(chr(65 + g % 26), g % 300) AS body FROM generate_series(1, 20000) g;
     SELECT lo_from_bytea(0, ''::bytea);
     SELECT lo_from_bytea(0, convert_to(string_agg(md5(g::text), ''), 'UTF8')) FROM generate_series(1, 20000) g;`,
    [],
    DB,
  );
  plainArchive = await pgDump(['--format=custom', '--compress=0']);
});

afterAll(async () => {
  await pg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the custom-format block re-writer', () => {
  it('keeps every block, row and large object, whatever the piece sizes, levels and worker counts (seeded fuzz)', async () => {
    const source = await scanArchive(Readable.from([plainArchive]));
    expect(source.head.compression).toBe('none');
    expect(source.blocks.some((b) => b.type === 3 && (b.largeObjects ?? 0) >= 4)).toBe(true);
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = random(seed);
      const workers = 1 + Math.floor(rnd() * 3);
      const level = 1 + Math.floor(rnd() * 9);
      // From far smaller than a block (one table spans hundreds of pieces) to larger than the archive.
      const pieceBytes = [1024, 4096, 33_000, 100_000, 4 * 1024 * 1024][Math.floor(rnd() * 5)] as number;
      const pool = new CompressPool(workers);
      try {
        const textStats = new BlockTextStats();
        // Every third seed runs with no shared slot free: each piece then moves to its worker instead.
        const free = pool.freeSharedPieces;
        const held: Buffer[] = [];
        if (seed % 3 === 0) for (let b = pool.sharedPiece(1); b; b = pool.sharedPiece(1)) held.push(b);
        const out = await collect(rewriteCustomArchive({ level, pool, pieceBytes, maxInFlight: 1 + Math.floor(rnd() * 6), textStats })(lentInRandomPieces(plainArchive, rnd)));
        for (const b of held) pool.releasePiece(b);
        expect(pool.freeSharedPieces, `seed ${seed}: every shared slot is given back`).toBe(free);
        const scan = await scanArchive(inRandomPieces(out, rnd));
        // What a backup records: the rows counted from the text on its way to the workers, the
        // compressed blocks only measured. The same blocks, rows and fingerprints as inflating them.
        const counted = await scanArchive(inRandomPieces(out, rnd), { textStats });
        const what = `seed ${seed} (workers ${workers}, level ${level}, piece ${pieceBytes})`;
        expect(scan.head.compression, what).toBe('gzip');
        expect(scan.toc, what).toEqual(source.toc);
        expect(blocksOf(scan), what).toEqual(blocksOf(source));
        expect(counted.blocks, what).toEqual(scan.blocks);
        expect(scan.blocks.every((b) => b.type === 3 || b.rows !== null), what).toBe(true);
        if (seed <= 3) {
          await restoreInto(out, `fuzz_${seed}`);
          expect(await contentHashes(pg, `fuzz_${seed}`), what).toEqual(await contentHashes(pg, DB));
          expect(await schemaDump(pg, `fuzz_${seed}`), what).toBe(await schemaDump(pg, DB));
        }
      } finally {
        await pool.close();
      }
    }
  });

  it("writes an archive whose pg_restore --list is pg_dump -Fc's own, but for the creation time and compression lines", async () => {
    const pool = new CompressPool(2);
    try {
      const ours = await collect(rewriteCustomArchive({ level: 6, pool })(Readable.from([plainArchive])));
      const theirs = await pgDump(['--format=custom']);
      const ourFile = path.join(work, 'ours.dump');
      const theirFile = path.join(work, 'theirs.dump');
      await writeFile(ourFile, ours);
      await writeFile(theirFile, theirs);
      const list = async (f: string): Promise<string[]> => (await execFileAsync(`${PG15_BIN}/pg_restore`, ['--list', f])).stdout.split('\n');
      const [a, b] = [await list(ourFile), await list(theirFile)];
      const differing = a.map((line, i) => [line, b[i]]).filter(([x, y]) => x !== y);
      // pg_dump -Fc records Z_DEFAULT_COMPRESSION (-1); ours records the level it used (6, which
      // is what -1 means in zlib). The creation times differ because these are two dumps.
      expect(a.length).toBe(b.length);
      expect(differing.filter(([x]) => !/^; Archive created at /.test(x ?? ''))).toEqual([[';     Compression: 6', ';     Compression: -1']]);
      // Same compression, about the same size: within 5% of pg_dump's own.
      expect(ours.length / theirs.length).toBeLessThan(1.05);
    } finally {
      await pool.close();
    }
  });

  it('passes through an archive pg_dump already compressed, byte for byte', async () => {
    const pool = new CompressPool(1);
    try {
      const compressed = await pgDump(['--format=custom']);
      expect((await collect(rewriteCustomArchive({ level: 6, pool })(lentInRandomPieces(compressed, random(3))))).equals(compressed)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('ends early, without inventing bytes, when pg_dump stopped mid-archive', async () => {
    const pool = new CompressPool(2);
    try {
      const cut = plainArchive.subarray(0, Math.floor(plainArchive.length * 0.6));
      const out = await collect(rewriteCustomArchive({ level: 6, pool, pieceBytes: 4096 })(lentInRandomPieces(cut, random(5))));
      await expect(scanArchive(Readable.from([out]))).rejects.toThrow();
    } finally {
      await pool.close();
    }
  });

  it('fails the stream when a worker dies, and never emits what it could not compress', async () => {
    const pool = new CompressPool(2);
    const gen = rewriteCustomArchive({ level: 6, pool, pieceBytes: 1024 })(inRandomPieces(plainArchive, random(9)));
    let emitted = 0;
    await expect(
      (async () => {
        for await (const b of gen) {
          emitted += b.length;
          if (emitted > 50_000) await pool.killOneWorker();
        }
      })(),
    ).rejects.toThrow(/compression worker stopped unexpectedly/);
    expect(emitted).toBeLessThan(plainArchive.length);
    await pool.close();
  });
});

describe('plain SQL as concatenated gzip members', () => {
  it('gunzips (the real gunzip too) to exactly the SQL pg_dump wrote, cut at every COPY block, and an empty input is still a gzip file', async () => {
    const sql = await pgDump(['--format=plain']);
    const pool = new CompressPool(2);
    try {
      const members = plainSqlMembers({ level: 6, pool, memberBytes: 50_000 });
      const gz = await collect(members.stage(inRandomPieces(sql, random(11))));
      expect(gunzipSync(gz).equals(sql)).toBe(true);
      // Each COPY block is whole members of its own: gunzip of its range is exactly its text.
      const copies = (members.layout?.segments ?? []).filter((s) => s.kind === 'copy');
      expect(copies.length).toBeGreaterThan(3);
      for (const s of copies) expect(gunzipSync(gz.subarray(s.archive.offset, s.archive.end)).equals(sql.subarray(s.text.offset, s.text.end))).toBe(true);
      const file = path.join(work, 'plain.sql.gz');
      await writeFile(file, gz);
      const { stdout } = await execFileAsync('gunzip', ['-c', file], { encoding: 'buffer', maxBuffer: 1 << 30 });
      expect(stdout.equals(sql)).toBe(true);
      const empty = await collect(plainSqlMembers({ level: 6, pool }).stage(Readable.from([])));
      expect(gunzipSync(empty).length).toBe(0);
    } finally {
      await pool.close();
    }
  });
});
