import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN } from '../support/rich-database.js';

const execFileAsync = promisify(execFile);

// Every type the issue lists, with the values that usually break round trips.
const DDL = `
  CREATE SCHEMA crm;
  CREATE TYPE crm.status AS ENUM ('new', 'paid');
  CREATE TABLE crm.orders (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id int NOT NULL,
    status crm.status,
    note text,
    payload bytea,
    j json,
    jb jsonb,
    amount numeric,
    at timestamptz,
    tags text[],
    nums int[],
    doubled numeric GENERATED ALWAYS AS (amount * 2) STORED
  );`;
const ROWS = `
  INSERT INTO crm.orders (customer_id, status, note, payload, j, jb, amount, at, tags, nums) VALUES
    (42, 'paid', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (42, 'new', '', '\\x00ff10'::bytea, '{"b":1,  "a" : [1,2], "b":2}', '{"z": {"y": null}, "a": "x\\"y"}', 12345678901234567890.123456789000,
      '2024-02-29 23:59:59.123456+05:30', ARRAY['a,b', 'say "hi"', E'multi\\nline', NULL, ''], ARRAY[1, NULL, 3]),
    (42, 'paid', E'it''s, "quoted"\\nand\\\\back\\r\\n', '\\x'::bytea, '[]', '[]', 'NaN', 'infinity', '{}', '{}'),
    (7, 'new', 'someone else', NULL, NULL, NULL, 1, now(), NULL, NULL);
  CREATE TABLE crm.audit (order_id int REFERENCES crm.orders (id), what text);
  INSERT INTO crm.audit SELECT id, 'x' FROM crm.orders;`;
const ROW_TEXT = `SELECT t::text AS r FROM crm.orders t WHERE customer_id = 42 ORDER BY id`;

let pg: PgCluster;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let to: string;
let key: string;
let expected: { r: string }[];

async function freshTarget(name: string): Promise<void> {
  await pg.createDatabase(name);
  await pg.query(DDL, [], name);
}

async function tempDatabases(): Promise<string[]> {
  return (await pg.query<{ d: string }>(`SELECT datname AS d FROM pg_database WHERE datname LIKE 'lifeboat_%'`)).map((r) => r.d);
}

beforeAll(async () => {
  [pg, home] = await Promise.all([startCluster({ major: 15 }), tempHome()]);
  env = { ...process.env, ...home };
  to = `file://${path.join(home.HOME, 'backups')}`;
  await pg.createDatabase('crm');
  await pg.query(`${DDL}${ROWS}`, [], 'crm');
  key = (await runBackup({ db: pg.url('crm'), to, env })).key;
  expected = await pg.query<{ r: string }>(ROW_TEXT, [], 'crm');
  expect(expected).toHaveLength(3);
});

afterAll(async () => {
  await pg?.stop();
});

describe('lifeboat extract', () => {
  it('writes SQL INSERT … ON CONFLICT DO NOTHING that restores the rows exactly, and drops its temporary database', async () => {
    const out = path.join(home.HOME, 'rows.sql');
    const r = await runCli(['extract', '--key', key, '--to', to, '--server', pg.url(), '--table', 'crm.orders', '--where', 'customer_id = 42', '--format', 'sql', '--out', out], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sql = await readFile(out, 'utf8');
    expect(sql).toContain('ON CONFLICT DO NOTHING');
    expect(sql).not.toContain('"doubled"');
    await freshTarget('from_sql');
    await execFileAsync(`${PG15_BIN}/psql`, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `--dbname=${pg.url('from_sql')}`, '-f', out]);
    expect(await pg.query(ROW_TEXT, [], 'from_sql')).toEqual(expected);
    // Running it twice changes nothing.
    await execFileAsync(`${PG15_BIN}/psql`, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `--dbname=${pg.url('from_sql')}`, '-f', out]);
    expect(await pg.query(ROW_TEXT, [], 'from_sql')).toEqual(expected);
    expect(await tempDatabases()).toEqual([]);
  });

  it('writes CSV that COPY reads back exactly (NULL and empty string stay apart)', async () => {
    const r = await runCli(['extract', '--latest', '--to', to, '--server', pg.url(), '--table', 'crm.orders', '--where', 'customer_id = 42', '--format', 'csv'], env);
    expect(r.code).toBe(0);
    const header = r.stdout.split('\r\n')[0] ?? '';
    const cols = header.split(',').join(', ');
    await freshTarget('from_csv');
    const file = path.join(home.HOME, 'rows.csv');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, r.stdout));
    await execFileAsync(`${PG15_BIN}/psql`, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `--dbname=${pg.url('from_csv')}`, '-c', `\\copy crm.orders (${cols}) FROM '${file}' WITH (FORMAT csv, HEADER true)`]);
    expect(await pg.query(ROW_TEXT, [], 'from_csv')).toEqual(expected);
  });

  it('writes JSON whose values are PostgreSQL text forms, which insert back exactly', async () => {
    const r = await runCli(['extract', '--key', key, '--to', to, '--server', pg.url(), '--table', 'crm.orders', '--where', 'customer_id = 42', '--format', 'json'], env);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, string | null>[];
    expect(rows).toHaveLength(3);
    expect(rows[0]?.note).toBeNull();
    expect(rows[1]?.note).toBe('');
    await freshTarget('from_json');
    const cols = Object.keys(rows[0] ?? {});
    for (const row of rows) {
      await pg.query(
        `INSERT INTO crm.orders (${cols.map((c) => `"${c}"`).join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
        cols.map((c) => row[c]),
        'from_json',
      );
    }
    expect(await pg.query(ROW_TEXT, [], 'from_json')).toEqual(expected);
  });

  it('--into copies the rows in one transaction and counts inserted and skipped (conflicting) rows', async () => {
    await freshTarget('live');
    const [first] = await pg.query<{ id: number }>(`SELECT min(id) AS id FROM crm.orders WHERE customer_id = 42`, [], 'crm');
    await pg.query(`INSERT INTO crm.orders (id, customer_id, note) OVERRIDING SYSTEM VALUE VALUES (${first?.id}, 42, 'already here')`, [], 'live');
    const r = await runCli(['extract', '--key', key, '--to', to, '--server', pg.url(), '--table', 'crm.orders', '--where', 'customer_id = 42', '--into', pg.url('live'), '--json'], env);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 3, inserted: 2, skipped: 1 });
    const live = await pg.query<{ r: string }>(ROW_TEXT, [], 'live');
    expect(live.slice(1)).toEqual(expected.slice(1));
    expect(live[0]?.r).toContain('already here');
    expect(await tempDatabases()).toEqual([]);
  });

  it('runs the filter read-only: a second statement or a write is refused, and nothing is kept', async () => {
    const sneaky = await runCli(['extract', '--key', key, '--to', to, '--server', pg.url(), '--table', 'crm.orders', '--where', 'true; DROP TABLE crm.audit'], env);
    expect(sneaky.code).toBe(1);
    expect(sneaky.stderr.trim().split('\n')).toHaveLength(1);
    expect(sneaky.stderr).toMatch(/filter does not work/);
    const write = await runCli(['extract', '--key', key, '--to', to, '--server', pg.url(), '--table', 'crm.orders', '--where', `id = (SELECT nextval('crm.orders_id_seq'))`], env);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/read-only transaction/);
    expect(await tempDatabases()).toEqual([]);
  });

  it('extracts from a plain SQL backup too (through its index: the definitions and the table\'s COPY block)', async () => {
    const plain = await runBackup({ db: pg.url('crm'), to, env, format: 'plain', now: () => new Date(Date.UTC(2024, 0, 1)) });
    const r = await runCli(['extract', '--key', plain.key, '--to', to, '--server', pg.url(), '--table', 'crm.orders', '--where', 'customer_id = 42', '--format', 'sql'], env);
    expect(r.stderr).toBe('');
    await freshTarget('from_plain');
    await execFileAsync(`${PG15_BIN}/psql`, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `--dbname=${pg.url('from_plain')}`, '-c', r.stdout]);
    expect(await pg.query(ROW_TEXT, [], 'from_plain')).toEqual(expected);
    expect(await tempDatabases()).toEqual([]);
  });

  it('--keep keeps the temporary database and lists it; an unknown table is one clear line', async () => {
    const r = await runCli(['extract', '--key', key, '--to', to, '--server', pg.url(), '--table', 'crm.orders', '--where', 'customer_id = 7', '--format', 'csv', '--keep'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/kept the temporary database postgresql:\/\/.*lifeboat_crm_\d{8}_\d{6}/);
    const temps = await tempDatabases();
    expect(temps).toHaveLength(1);
    // Only the extracted table has rows there.
    expect(await pg.query(`SELECT count(*)::int AS n FROM crm.audit`, [], temps[0])).toEqual([{ n: 0 }]);
    const list = await runCli(['temp', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: temps[0], purpose: 'extract' })]);
    expect((await runCli(['temp', 'drop', temps[0] ?? '', '--server', pg.url()], env)).code).toBe(0);

    const missing = await runCli(['extract', '--key', key, '--to', to, '--server', pg.url(), '--table', 'crm.nope'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/There is no table crm.nope/);
    expect(await tempDatabases()).toEqual([]);
  });
});
