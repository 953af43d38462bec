// Realistic databases to back up: several schemas, odd identifiers, large objects, a few MB.
import type { PgCluster } from './pg-cluster.js';

export const ODD_DB_NAME = `Ünïcode "quoted" db's name`;

export async function seedRealisticDatabase(cluster: PgCluster, db: string, opts: { rows?: number } = {}): Promise<void> {
  const rows = opts.rows ?? 20000;
  await cluster.query(
    `
    CREATE SCHEMA sales;
    CREATE SCHEMA "Odd Schema";
    CREATE TABLE sales.customers (id serial PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz DEFAULT now());
    CREATE TABLE sales.orders (id bigserial PRIMARY KEY, customer_id int REFERENCES sales.customers(id), total numeric(12,2), note text);
    CREATE TABLE "Odd Schema"."Table With ""Quotes"" and spaces" ("Weird Column" text, "ç" int);
    CREATE TABLE public.blobs (id int PRIMARY KEY, doc oid);
    INSERT INTO sales.customers (name, email) SELECT 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, ${rows}) g;
    INSERT INTO sales.orders (customer_id, total, note) SELECT 1 + (g % ${rows}), (g % 1000) + 0.99, repeat(md5(g::text), 3) FROM generate_series(1, ${rows * 2}) g;
    INSERT INTO "Odd Schema"."Table With ""Quotes"" and spaces" VALUES ('it''s, "odd"' || E'\\n' || 'line', 1), (NULL, 2), ('', 3);
    INSERT INTO public.blobs VALUES (1, lo_from_bytea(0, convert_to(repeat('large object ', 1000), 'UTF8')));
    `,
    [],
    db,
  );
}
