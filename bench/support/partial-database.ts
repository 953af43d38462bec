// The partial-recovery benchmark's database: about `sizeMiB` on disk, one table (`events`) holding
// about 60% of it, a 1 M-row `orders` table (scaled) for the row-level diff, and a dozen small
// tables. Values are built from word lists, numbers, dates and short ids, so they compress like
// real data (about 3–5x with gzip) rather than like pgbench's blank filler or random bytes.
import type { PgCluster } from '../../test/support/pg-cluster.js';

/** Words drawn by hash, so text repeats the way real text does without being one repeated string. */
const WORDS = `ARRAY['order','shipped','delayed','customer','refund','invoice','paid','pending','warehouse','Berlin','Lyon','Porto','express','standard','gift','note','returned','damaged','priority','review']`;
const word = (seed: string): string => `(${WORDS})[1 + abs(hashtext(${seed})) % 20]`;

export const SMALL_TABLES = ['customers', 'products', 'suppliers', 'stores', 'employees', 'regions', 'currencies', 'coupons', 'carriers', 'categories', 'tax_rates', 'settings'];

export async function buildPartialDatabase(cluster: PgCluster, db: string, sizeMiB: number): Promise<{ bytes: number; orderRows: number }> {
  await cluster.createDatabase(db);
  // Rows of `events` are ~190 bytes on disk; of `orders` ~75 bytes.
  const eventRows = Math.max(1000, Math.round((sizeMiB * 0.6 * 1024 * 1024) / 190));
  const orderRows = Math.max(1000, Math.round(1_000_000 * (sizeMiB / 2048)));
  const smallRows = Math.max(100, Math.round((sizeMiB * 0.3 * 1024 * 1024) / 12 / 120));
  await cluster.query(
    `CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, user_id int NOT NULL, kind text NOT NULL, amount numeric(12,2), detail text);
     INSERT INTO events
       SELECT g, timestamptz '2026-01-01' + g * interval '3 seconds', 1 + abs(hashtext(g::text)) % 50000, ${word("g::text || 'k'")},
              (abs(hashtext(g::text || 'a')) % 100000) / 100.0,
              ${word("g::text || 'x'")} || ' ' || ${word("g::text || 'y'")} || ' ' || ${word("g::text || 'z'")} || ' ref ' || substr(md5(g::text), 1, 10) || ' ' || ${word("g::text || 'w'")} || ' at store ' || (g % 300)
         FROM generate_series(1, ${eventRows}) g;
     CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, total numeric(10,2), placed date);
     INSERT INTO orders SELECT g, 1 + g % 5000, ${word("g::text || 's'")}, (g % 10000) / 10.0, date '2025-01-01' + g % 600 FROM generate_series(1, ${orderRows}) g;`,
    [],
    db,
  );
  for (const t of SMALL_TABLES) {
    await cluster.query(
      `CREATE TABLE ${t} (id int PRIMARY KEY, name text NOT NULL, city text, created timestamptz, note text);
       INSERT INTO ${t} SELECT g, initcap(${word(`g::text || '${t}'`)}) || ' ' || g, ${word(`g::text || 'c'`)}, timestamptz '2024-01-01' + g * interval '1 hour',
              ${word(`g::text || 'n'`)} || ' ' || ${word(`g::text || 'm'`)} || ' ' || substr(md5(g::text || '${t}'), 1, 12)
         FROM generate_series(1, ${smallRows}) g;`,
      [],
      db,
    );
  }
  await cluster.query('VACUUM ANALYZE', [], db);
  const rows = await cluster.query<{ size: string }>(`SELECT pg_database_size(current_database())::text AS size`, [], db);
  return { bytes: Number(rows[0]?.size ?? 0), orderRows };
}
