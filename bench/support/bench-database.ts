// The benchmark database: pgbench's tables (numbers, narrow rows) plus a text-heavy table
// (documents with prose-like, compressible text), about `sizeMiB` on disk in all.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PgCluster } from '../../test/support/pg-cluster.js';

const execFileAsync = promisify(execFile);

export async function buildBenchDatabase(cluster: PgCluster, db: string, sizeMiB: number): Promise<number> {
  await cluster.createDatabase(db);
  // pgbench scale 1 is ~15 MiB; give it about 60% of the size.
  const scale = Math.max(1, Math.round((sizeMiB * 0.6) / 15));
  await execFileAsync('/usr/lib/postgresql/15/bin/pgbench', ['-i', '-q', '-s', String(scale), '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', db], {
    maxBuffer: 64 * 1024 * 1024,
  });
  // Each document row is ~1.1 KiB on disk; the remaining 40% of the size.
  const docs = Math.round((sizeMiB * 0.4 * 1024) / 1.1);
  await cluster.query(
    `CREATE TABLE documents (id bigint PRIMARY KEY, title text, body text, created_at timestamptz);
     INSERT INTO documents
       SELECT g, 'Document ' || g,
              repeat('Lorem ipsum dolor sit amet ' || md5(g::text) || ' consectetur adipiscing elit. ', 12),
              now() - (g || ' seconds')::interval
         FROM generate_series(1, ${docs}) g;`,
    [],
    db,
  );
  await cluster.query('VACUUM ANALYZE', [], db);
  const rows = await cluster.query<{ size: string }>(`SELECT pg_database_size(current_database())::text AS size`, [], db);
  return Number(rows[0]?.size ?? 0);
}

/**
 * The text-heavy database: one table of md5 text (hex, which compresses about 2:1 like much
 * real data, not 50:1 like repeated prose), ~137 bytes a row on disk as in the 344 MB of
 * 2.5 M rows; about `sizeMiB` on disk in all. Compressing is most of what pg_dump -Fc does for it.
 */
export async function buildTextDatabase(cluster: PgCluster, db: string, sizeMiB: number): Promise<number> {
  await cluster.createDatabase(db);
  const rows = Math.max(1000, Math.round((sizeMiB * 1024 * 1024) / 137));
  await cluster.query(
    `CREATE TABLE notes AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) || md5((g * 7)::text) AS body FROM generate_series(1, ${rows}) g;
     ALTER TABLE notes ADD PRIMARY KEY (id);`,
    [],
    db,
  );
  await cluster.query('VACUUM ANALYZE', [], db);
  const r = await cluster.query<{ size: string }>(`SELECT pg_database_size(current_database())::text AS size`, [], db);
  return Number(r[0]?.size ?? 0);
}
