// A small database with every kind of object a restore must bring back, and the two checks of a
// faithful restore: identical `pg_dump --schema-only` (apart from ownership) and equal content
// hashes of every table, sequence and large object.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PgCluster } from './pg-cluster.js';

const execFileAsync = promisify(execFile);
export const PG15_BIN = '/usr/lib/postgresql/15/bin';

export async function seedRichDatabase(cluster: PgCluster, db: string): Promise<void> {
  await cluster.query(
    `
    CREATE SCHEMA inventory;
    CREATE SCHEMA "Mixed Case ""Schema""";
    CREATE TYPE inventory.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN inventory.positive_int AS integer CHECK (VALUE > 0);
    CREATE SEQUENCE inventory.ticket_seq INCREMENT BY 7 MINVALUE -1000 MAXVALUE 1000000 START WITH -993 CYCLE;
    SELECT setval('inventory.ticket_seq', 4242, true);
    CREATE TABLE inventory.items (
      id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 3) PRIMARY KEY,
      name text NOT NULL,
      qty inventory.positive_int,
      price numeric(12, 4),
      mood inventory.mood,
      total numeric GENERATED ALWAYS AS (qty * price) STORED,
      tags text[],
      doc jsonb,
      updated_at timestamptz
    );
    CREATE FUNCTION inventory.touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.updated_at := '2024-01-01 00:00:00+00'; RETURN NEW; END $$;
    CREATE TRIGGER items_touch BEFORE INSERT OR UPDATE ON inventory.items FOR EACH ROW EXECUTE FUNCTION inventory.touch();
    INSERT INTO inventory.items (name, qty, price, mood, tags, doc)
      SELECT 'item ' || g, g, g * 1.2345, (ARRAY['sad','ok','happy']::inventory.mood[])[1 + g % 3], ARRAY['a' || g, 'b,"c"'], jsonb_build_object('g', g, 'nested', jsonb_build_array(1, 'two', null))
      FROM generate_series(1, 200) g;
    CREATE VIEW inventory.happy_items AS SELECT id, name FROM inventory.items WHERE mood = 'happy';
    CREATE MATERIALIZED VIEW inventory.item_totals AS SELECT mood, sum(total) AS total FROM inventory.items GROUP BY mood;
    CREATE INDEX items_name_idx ON inventory.items (lower(name));
    CREATE TABLE inventory.events (id int, at date NOT NULL, what text) PARTITION BY RANGE (at);
    CREATE TABLE inventory.events_2024 PARTITION OF inventory.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE inventory.events_2025 PARTITION OF inventory.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    INSERT INTO inventory.events SELECT g, date '2024-06-01' + g, 'event ' || g FROM generate_series(1, 300) g;
    CREATE TABLE "Mixed Case ""Schema"""."Ödd ""Table"", with comma" ("Key" int PRIMARY KEY, "select" text, "émoji 🚀" text);
    INSERT INTO "Mixed Case ""Schema"""."Ödd ""Table"", with comma" VALUES (1, 'it''s', E'line1\\nline2'), (2, NULL, ''), (3, '\\\\back', '🚀');
    CREATE TABLE public.attachments (id int PRIMARY KEY, body oid);
    INSERT INTO public.attachments VALUES (1, lo_from_bytea(0, '\\xdeadbeef00'::bytea)), (2, lo_from_bytea(0, convert_to(repeat('lo ', 5000), 'UTF8')));
    COMMENT ON TABLE inventory.items IS 'Things we sell';
    `,
    [],
    db,
  );
}

/** pg_dump --schema-only without ownership and privileges, with the version banner removed. */
export async function schemaDump(cluster: PgCluster, db: string, pgBin = PG15_BIN): Promise<string> {
  const { stdout } = await execFileAsync(`${pgBin}/pg_dump`, ['--schema-only', '--no-owner', '--no-acl', `--dbname=${cluster.url(db)}`], { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .split('\n')
    // The banner names versions; \restrict keys are random per dump.
    .filter((l) => !/^-- Dumped (from|by)/.test(l) && !/^\\(un)?restrict /.test(l))
    .join('\n');
}

/** One hash per table (ordered by its text form), per sequence state, and over all large objects. */
export async function contentHashes(cluster: PgCluster, db: string): Promise<Record<string, string>> {
  const tables = await cluster.query<{ s: string; t: string }>(
    `SELECT n.nspname AS s, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2`,
    [],
    db,
  );
  const out: Record<string, string> = {};
  for (const { s, t } of tables) {
    const q = `"${s.replace(/"/g, '""')}"."${t.replace(/"/g, '""')}"`;
    const [row] = await cluster.query<{ h: string | null; n: string }>(`SELECT md5(string_agg(x::text, E'\\n' ORDER BY x::text)) AS h, count(*)::text AS n FROM ${q} x`, [], db);
    out[`${s}.${t}`] = `${row?.n}:${row?.h}`;
  }
  const seqs = await cluster.query<{ s: string; n: string; v: string | null }>(`SELECT schemaname AS s, sequencename AS n, last_value::text AS v FROM pg_sequences ORDER BY 1, 2`, [], db);
  for (const r of seqs) out[`seq ${r.s}.${r.n}`] = String(r.v);
  const [lo] = await cluster.query<{ h: string | null }>(`SELECT md5(string_agg(oid::text || ':' || md5(lo_get(oid)), ',' ORDER BY oid)) AS h FROM pg_largeobject_metadata`, [], db);
  out['large objects'] = String(lo?.h);
  return out;
}
