// Random tables whose values break round trips (text with tabs, newlines, backslashes, "\\N" and
// "\\."; bytea; json and jsonb; arrays; NULL and ''; very wide rows), and PostgreSQL's own text form
// of a table's rows, for tests that read rows out of backups (archive-index, plain-index).
import pg from 'pg';
import type { PgCluster } from './pg-cluster.js';

/** A seeded generator (mulberry32): the same "random" tables on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['', 'a', ' ', '\t', '\n', '\r', '\\', '\\N', 'N', '"', "'", ',', '{', '}', 'é', '𝄞', 'NULL', '\\.', '.', 'x'];

function randomText(next: () => number, maxLen: number): string {
  const n = Math.floor(next() * maxLen);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)];
  return s;
}

/** Random rows for a table of text, bytea, json, jsonb, text[], int[] and numeric, NULLs and '' included. */
export async function seedRandomTable(pgc: PgCluster, db: string, table: string, seed: number, rows: number): Promise<void> {
  const next = rng(seed);
  await pgc.query(`CREATE TABLE ${table} (t text, b bytea, j json, jb jsonb, arr text[], nums int[], n numeric, wide text)`, [], db);
  const client = new pg.Client({ connectionString: pgc.url(db) });
  await client.connect();
  try {
    for (let i = 0; i < rows; i++) {
      const maybe = <T>(v: T): T | null => (next() < 0.15 ? null : v);
      const bytes = Buffer.from(Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256)));
      const text = randomText(next, 12);
      await client.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        maybe(text),
        maybe(bytes),
        maybe(JSON.stringify({ k: randomText(next, 6), n: [1, null, 'x\ty'] })),
        maybe(JSON.stringify([randomText(next, 4), { '\\': '\n' }])),
        maybe([randomText(next, 5), null, '', 'a,b']),
        maybe([Math.floor(next() * 1000), -1]),
        maybe((next() * 1e6).toFixed(3)),
        next() < 0.05 ? 'w'.repeat(200_000) + randomText(next, 5) : maybe(''),
      ]);
    }
  } finally {
    await client.end();
  }
}

/** PostgreSQL's text form of every value, in physical order (what COPY … TO STDOUT and pg_dump read). */
export async function textRows(pgc: PgCluster, db: string, table: string): Promise<(string | null)[][]> {
  const client = new pg.Client({ connectionString: pgc.url(db), types: { getTypeParser: () => (v: string) => v } });
  await client.connect();
  try {
    return (await client.query<(string | null)[]>({ text: `SELECT * FROM ${table}`, rowMode: 'array' })).rows;
  } finally {
    await client.end();
  }
}

