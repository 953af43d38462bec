import { describe, expect, it } from 'vitest';
import { parseCustomHeader, parsePlainHeader } from '../../shared/archive-header.js';
import { quoteLiteral, toCsv, toJson, toSqlInserts } from '../../shared/row-format.js';
import { TEMP_DATABASE_PATTERN, tempDatabaseName } from '../../shared/temp-database.js';
import { PlainSqlFilter, shouldDropLine } from '../../electron/engine/restore/plain-sql-filter.js';
import { psqlSupportsRestrict, refusedMetaCommand } from '../../electron/engine/restore/psql-guard.js';
import { toolFailureDetail } from '../../electron/engine/restore/restore-tools.js';
import { endsWithDumpComplete } from '../../electron/engine/restore/scratch-file.js';
import { extractTocEntries, ownedSequenceIds, parseQualifiedName, selectTocEntries } from '../../electron/engine/restore/toc-selection.js';

/** pg_dump's WriteHead, for archive versions 1.14 (PostgreSQL 12–15) and 1.15+ (16+). */
function customHeader(vmin: number, db: string, server: string, dump: string): Buffer {
  const int = (n: number): number[] => [n < 0 ? 1 : 0, ...[0, 1, 2, 3].map((i) => (Math.abs(n) >> (8 * i)) & 0xff)];
  const str = (s: string): number[] => [...int(Buffer.byteLength(s)), ...Buffer.from(s)];
  const bytes = [...Buffer.from('PGDMP'), 1, vmin, 0, 4, 8, 1];
  bytes.push(...(vmin >= 15 ? [0] : int(-1)));
  for (const n of [12, 10, 3, 15, 4, 125, 0]) bytes.push(...int(n));
  bytes.push(...str(db), ...str(server), ...str(dump));
  return Buffer.from(bytes);
}

describe('archive headers', () => {
  it('reads the pg_dump version from custom archives of both header layouts', () => {
    expect(parseCustomHeader(customHeader(14, 'shop', '15.4', '15.20'))).toMatchObject({ kind: 'custom', pgDumpVersion: '15.20', pgDumpMajor: 15, serverVersion: '15.4', database: 'shop', archiveFormat: 1, createdLocal: { year: 2025, month: 5, day: 15, hour: 3, minute: 10, second: 12 } });
    expect(parseCustomHeader(customHeader(16, 'Ünï db', '17.2 (Debian 17.2-1)', '17.2'))).toMatchObject({ pgDumpMajor: 17, database: 'Ünï db' });
  });

  it('refuses non-archives and survives a short header', () => {
    expect(parseCustomHeader(Buffer.from('-- PostgreSQL database dump'))).toBeNull();
    expect(parseCustomHeader(customHeader(14, 'shop', '15.4', '15.20').subarray(0, 40))).toMatchObject({ kind: 'custom', pgDumpMajor: null });
  });

  it('reads plain dumps\' banner', () => {
    expect(parsePlainHeader('--\n-- Dumped from database version 14.9\n-- Dumped by pg_dump version 16.1\n')).toMatchObject({ pgDumpVersion: '16.1', pgDumpMajor: 16, serverVersion: '14.9' });
    expect(parsePlainHeader('CREATE TABLE t ();')).toMatchObject({ pgDumpMajor: null });
  });
});

const TOC = `;
; Archive created at 2025-05-15 03:10:12 UTC
;
5; 2615 16385 SCHEMA - inventory postgres
6; 2615 16386 SCHEMA - Mixed Case "Schema" postgres
860; 1247 16388 TYPE inventory mood postgres
862; 1247 16396 DOMAIN inventory positive_int postgres
230; 1255 16399 FUNCTION inventory touch() postgres
219; 1259 16401 TABLE inventory items postgres
218; 1259 16400 SEQUENCE inventory items_id_seq postgres
224; 1259 16420 TABLE Mixed Case "Schema" Ödd "Table", with comma postgres
225; 1259 16430 TABLE public attachments postgres
3400; 0 16401 TABLE DATA inventory items postgres
3401; 0 16420 TABLE DATA Mixed Case "Schema" Ödd "Table", with comma postgres
3402; 0 16430 TABLE DATA public attachments postgres
3403; 0 0 BLOBS - BLOBS
3404; 0 0 SEQUENCE SET inventory items_id_seq postgres
3200; 2606 16410 CONSTRAINT inventory items items_pkey postgres
3201; 1259 16411 INDEX inventory items_name_idx postgres
3202; 2620 16412 TRIGGER inventory items items_touch postgres
3203; 2606 16432 FK CONSTRAINT public attachments attachments_fk postgres
3204; 0 0 COMMENT inventory TABLE items postgres
3405; 0 16440 MATERIALIZED VIEW DATA inventory item_totals postgres
`;

function ids(list: string | null): string[] {
  return (list ?? '').split('\n').filter(Boolean).map((l) => l.split(';')[0] ?? '');
}

describe('table of contents selection', () => {
  it('parses qualified names, quotes and all', () => {
    expect(parseQualifiedName('sales.orders')).toEqual({ schema: 'sales', name: 'orders' });
    expect(parseQualifiedName('users')).toEqual({ schema: 'public', name: 'users' });
    expect(parseQualifiedName('"Mixed Case ""Schema"""."a.b"')).toEqual({ schema: 'Mixed Case "Schema"', name: 'a.b' });
  });

  it('selects a schema with spaces in its name, and tables with their schema, constraints and comment', () => {
    expect(ids(selectTocEntries(TOC, { tables: [], schemas: ['Mixed Case "Schema"'] }))).toEqual(['6', '224', '3401']);
    expect(ids(selectTocEntries(TOC, { tables: ['inventory.items'], schemas: [] }))).toEqual(['5', '219', '3400', '3200', '3204']);
  });

  it('finds the sequences a chosen table owns (serial and identity, quoted names too) and selects them with it', () => {
    const archiveToc = [
      { dumpId: 10, desc: 'SEQUENCE', tag: 'orders_id_seq', namespace: 'sales', defn: 'CREATE SEQUENCE sales.orders_id_seq AS integer;' },
      { dumpId: 11, desc: 'SEQUENCE OWNED BY', tag: 'orders_id_seq', namespace: 'sales', defn: 'ALTER SEQUENCE sales.orders_id_seq OWNED BY sales.orders.id;\n' },
      { dumpId: 12, desc: 'SEQUENCE SET', tag: 'orders_id_seq', namespace: 'sales', defn: "SELECT pg_catalog.setval('sales.orders_id_seq', 42, true);" },
      { dumpId: 20, desc: 'SEQUENCE', tag: 'Odd_id_seq', namespace: 'My Schema', defn: 'ALTER TABLE "My Schema"."Odd.Table" ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "My Schema"."Odd_id_seq");' },
      { dumpId: 21, desc: 'SEQUENCE SET', tag: 'Odd_id_seq', namespace: 'My Schema', defn: null },
      // Another table's sequence, and one named like a chosen table but owned elsewhere.
      { dumpId: 30, desc: 'SEQUENCE', tag: 'other_seq', namespace: 'sales', defn: 'CREATE SEQUENCE sales.other_seq;' },
      { dumpId: 31, desc: 'SEQUENCE OWNED BY', tag: 'other_seq', namespace: 'sales', defn: 'ALTER SEQUENCE sales.other_seq OWNED BY sales.orders_archive.id;' },
    ];
    const ids = ownedSequenceIds(archiveToc, [parseQualifiedName('sales.orders'), parseQualifiedName('"My Schema"."Odd.Table"')]);
    expect([...ids].sort((a, b) => a - b)).toEqual([10, 11, 12, 20, 21]);
    const list = '10; 1259 1 SEQUENCE sales orders_id_seq postgres\n31; 0 0 SEQUENCE OWNED BY sales other_seq postgres\n';
    expect(selectTocEntries(list, { tables: ['sales.orders'], schemas: [], alsoIds: ids })).toBe('10; 1259 1 SEQUENCE sales orders_id_seq postgres\n');
  });

  it('extract keeps every definition but only the wanted table\'s rows', () => {
    expect(ids(extractTocEntries(TOC, { schema: 'public', name: 'attachments' }))).toEqual(['5', '6', '860', '862', '230', '219', '218', '224', '225', '3402', '3404']);
    expect(extractTocEntries(TOC, { schema: 'public', name: 'nope' })).toBeNull();
  });
});

describe('row formats', () => {
  const columns = [{ name: 'id', type: 'integer' }, { name: 'say "x"', type: 'text' }];
  const rows = [['1', null], ['2', ''], ['3', 'a,"b"\nc']];

  it('CSV quotes every value so that NULL (unquoted, empty) and empty string ("") differ', () => {
    expect(toCsv(columns, rows)).toBe('"id","say ""x"""\r\n"1",\r\n"2",""\r\n"3","a,""b""\nc"\r\n');
  });

  it('JSON keeps text forms and nulls', () => {
    expect(JSON.parse(toJson(columns, rows))).toEqual([{ id: '1', 'say "x"': null }, { id: '2', 'say "x"': '' }, { id: '3', 'say "x"': 'a,"b"\nc' }]);
  });

  it('SQL inserts quote identifiers and literals and skip conflicts', () => {
    expect(quoteLiteral(`it's \\ here`)).toBe(`'it''s \\ here'`);
    const sql = toSqlInserts({ schema: 'odd "s"', table: 't', overrideIdentity: true }, columns, rows.slice(0, 2));
    expect(sql).toBe(
      'SET standard_conforming_strings = on;\n' +
        `INSERT INTO "odd ""s"""."t" ("id", "say ""x""") OVERRIDING SYSTEM VALUE VALUES ('1', NULL) ON CONFLICT DO NOTHING;\n` +
        `INSERT INTO "odd ""s"""."t" ("id", "say ""x""") OVERRIDING SYSTEM VALUE VALUES ('2', '') ON CONFLICT DO NOTHING;\n`,
    );
  });
});

describe('temporary database names', () => {
  it('are lifeboat_<db>_<YYYYMMDD_HHMMSS>, within 63 bytes', () => {
    const at = new Date(Date.UTC(2025, 4, 15, 3, 10, 12));
    expect(tempDatabaseName('shop', at)).toBe('lifeboat_shop_20250515_031012');
    expect(tempDatabaseName('shop', at, '_2')).toBe('lifeboat_shop_20250515_031012_2');
    const long = tempDatabaseName('ü'.repeat(80), at);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).toMatch(TEMP_DATABASE_PATTERN);
    expect('shop').not.toMatch(TEMP_DATABASE_PATTERN);
  });
});

describe('plain SQL ownership filter', () => {
  it('drops OWNER TO and GRANT lines outside COPY data only', async () => {
    const input = [
      'CREATE TABLE t (x text);',
      'ALTER TABLE public.t OWNER TO prod_admin;',
      'COPY public.t (x) FROM stdin;',
      'GRANT ALL ON TABLE public.t TO someone;',
      'ALTER TABLE x OWNER TO y;',
      '\\.',
      'GRANT SELECT ON TABLE public.t TO reporting;',
      'REVOKE ALL ON SCHEMA public FROM PUBLIC;',
      '',
    ].join('\n');
    const f = new PlainSqlFilter({ noOwner: true, noAcl: true });
    let out = '';
    f.on('data', (d: Buffer | string) => (out += d.toString()));
    // Split mid-line, as network chunks are.
    f.write(input.slice(0, 30));
    f.end(input.slice(30));
    await new Promise((r) => f.on('end', r));
    // Dropped lines become empty lines, so psql's line numbers stay the backup's.
    expect(out).toBe(['CREATE TABLE t (x text);', '', 'COPY public.t (x) FROM stdin;', 'GRANT ALL ON TABLE public.t TO someone;', 'ALTER TABLE x OWNER TO y;', '\\.', '', '', ''].join('\n'));
    expect(shouldDropLine('GRANT x;', false, { noOwner: true, noAcl: false })).toBe(false);
  });
});

describe('tool failure messages', () => {
  it('lead with psql\'s ERROR line for the failing statement', () => {
    const stderr = 'psql:<stdin>:3: NOTICE:  something\npsql:<stdin>:7: ERROR:  relation "x" does not exist\nLINE 1: SELECT * FROM x;\n';
    expect(toolFailureDetail(stderr)).toBe('psql:<stdin>:7: ERROR:  relation "x" does not exist / LINE 1: SELECT * FROM x;');
  });
});

describe('free space for local copies', () => {
  it('refuses early, with the sizes, when the folder cannot hold the copy', async () => {
    const { ensureFreeSpace } = await import('../../electron/engine/restore/scratch-file.js');
    const os = await import('node:os');
    await expect(ensureFreeSpace(os.tmpdir(), 1024 ** 5)).rejects.toMatchObject({ code: 'NOT_ENOUGH_SPACE', message: expect.stringMatching(/needs .* only .* is free; free some space or point BACKUP_DIR/) });
    await expect(ensureFreeSpace(os.tmpdir(), 1024)).resolves.toBeUndefined();
  });
});

async function filtered(lines: string[], opts: { ownTransaction?: boolean } = {}): Promise<{ out: string[]; filter: PlainSqlFilter }> {
  const f = new PlainSqlFilter({ noOwner: true, noAcl: true, ...opts });
  let out = '';
  f.on('data', (d: Buffer | string) => (out += d.toString()));
  f.end(lines.join('\n'));
  await new Promise((r) => f.on('end', r));
  return { out: out.split('\n').slice(0, -1), filter: f };
}

describe('plain SQL: the dump\'s own \\restrict fence and transaction lines', () => {
  it('drops the dump\'s \\restrict KEY and its matching \\unrestrict, and keeps every other meta-command for psql to refuse', async () => {
    const { out, filter } = await filtered(['\\restrict abc123', 'SET lock_timeout = 0;', 'SELECT 1;', '\\unrestrict other', '\\! id > /tmp/x', '\\unrestrict abc123', '\\restrict second']);
    expect(out).toEqual(['', '', 'SELECT 1;', '\\unrestrict other', '\\! id > /tmp/x', '', '']);
    expect(filter.metaCommandOnLine(5)).toBe('\\!');
  });

  it('leaves COPY data alone, even lines that look like meta-commands', async () => {
    const { out } = await filtered(['COPY t (x) FROM stdin;', '\\restrict abc', 'BEGIN;', '\\.', '\\restrict abc']);
    expect(out).toEqual(['COPY t (x) FROM stdin;', '\\restrict abc', 'BEGIN;', '\\.', '']);
  });

  it('in Lifeboat\'s own transaction, drops BEGIN;/COMMIT; pairs but not a lone COMMIT; (a procedure body)', async () => {
    const { out } = await filtered(['BEGIN;', 'SELECT lo_open(1, 2);', 'COMMIT;', 'CREATE PROCEDURE p() AS $$', 'COMMIT;', '$$;'], { ownTransaction: true });
    expect(out).toEqual(['', 'SELECT lo_open(1, 2);', '', 'CREATE PROCEDURE p() AS $$', 'COMMIT;', '$$;']);
    const plain = await filtered(['BEGIN;', 'COMMIT;']);
    expect(plain.out).toEqual(['BEGIN;', 'COMMIT;']);
  });

  it('gives the same output however the stream is cut (COPY data passes through as slices)', async () => {
    const input = ['\\restrict k1', 'COPY t (x) FROM stdin;', 'a\\.b', '\\.x', 'GRANT y;', '\\.', 'GRANT ALL ON t TO z;', 'COPY u (x) FROM stdin;', 'ü', '\\.', '\\unrestrict k1', 'SELECT 1;'].join('\n');
    const whole = (await filtered(input.split('\n'))).out;
    const f = new PlainSqlFilter({ noOwner: true, noAcl: true });
    let out = '';
    f.on('data', (d: Buffer) => (out += d.toString('latin1')));
    for (const byte of Buffer.from(input)) f.write(Buffer.from([byte]));
    f.end();
    await new Promise((r) => f.on('end', r));
    expect(Buffer.from(out, 'latin1').toString().split('\n').slice(0, -1)).toEqual(whole);
    expect(whole).toEqual(['', 'COPY t (x) FROM stdin;', 'a\\.b', '\\.x', 'GRANT y;', '\\.', '', 'COPY u (x) FROM stdin;', 'ü', '\\.', '', 'SELECT 1;']);
  });

  it('knows which psql versions have \\restrict', () => {
    expect(['15.14', '15.20', '13.22', '14.19', '16.10', '17.6', '18', '19.1'].map(psqlSupportsRestrict)).toEqual(Array(8).fill(true));
    expect(['15.13', '13.21', '14.18', '16.9', '17.5', '12.22', 'x'].map(psqlSupportsRestrict)).toEqual(Array(7).fill(false));
    expect(refusedMetaCommand('psql:<stdin>:9: error: backslash commands are restricted; only \\unrestrict is allowed', 2, null, true)?.message).toMatch(/meta-command \(\\…\) on line 7; Lifeboat never runs commands from a backup/);
  });
});


describe('plain SQL: pg_dump\'s completion line', () => {
  it('is found at the end, also before the comment fence and a \\unrestrict line; not in the middle', () => {
    expect(endsWithDumpComplete('CREATE TABLE t (x int);\n\n--\n-- PostgreSQL database dump complete\n--\n\n')).toBe(true);
    expect(endsWithDumpComplete('--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict AbC123\n\n')).toBe(true);
    // Cut between two statements: what `pg_dump | gzip` leaves when pg_dump dies.
    expect(endsWithDumpComplete('CREATE TABLE t (x int);\nCOPY public.t (x) FROM stdin;\n1\n\\.\n\n')).toBe(false);
    expect(endsWithDumpComplete('-- PostgreSQL database dump complete\nCREATE TABLE later (y int);\n')).toBe(false);
    expect(endsWithDumpComplete('')).toBe(false);
  });
});
