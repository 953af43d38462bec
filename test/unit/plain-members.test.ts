// Plain SQL gzipped in members cut at COPY blocks (compress/plain-members.ts), its index
// (archive/plain-index.ts) and the checks that read it (archive/plain-segment-read.ts): pure logic,
// on a plain dump shaped as pg_dump writes it. The real pg_dump, PostgreSQL and S3 are in
// test/integration/plain-index.test.ts.
import { gunzipSync, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildPlainIndexFromObject } from '../../electron/engine/archive/plain-browse.js';
import { buildPlainIndex, parsePlainIndexText, type CopySegment, type PlainIndex } from '../../electron/engine/archive/plain-index.js';
import { CopySegmentCheck, memberTexts, PlainIndexMismatch, TextSegmentCheck } from '../../electron/engine/archive/plain-segment-read.js';
import { declaredMemberLength, plainSqlMembers, type PlainLayout } from '../../electron/engine/compress/plain-members.js';
import { serializeIndex } from '../../electron/engine/archive/index-file.js';
import { extractSegments } from '../../electron/engine/restore/plain-ranged.js';

const SQL = [
  '--',
  '-- PostgreSQL database dump',
  '--',
  '',
  '\\restrict abc123',
  '',
  '-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)',
  '-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)',
  '',
  'SET statement_timeout = 0;',
  "SELECT pg_catalog.set_config('search_path', '', false);",
  '',
  '--',
  '-- Name: t1; Type: TABLE; Schema: public; Owner: postgres',
  '--',
  '',
  'CREATE TABLE public.t1 (',
  '    a text,',
  '    b bytea',
  ');',
  '',
  '',
  'ALTER TABLE public.t1 OWNER TO postgres;',
  '',
  '--',
  '-- Name: Odd "T"; Type: TABLE; Schema: Odd Schema; Owner: postgres',
  '--',
  '',
  'CREATE TABLE "Odd Schema"."Odd ""T""" (x integer);',
  '',
  '--',
  '-- Data for Name: t1; Type: TABLE DATA; Schema: public; Owner: postgres',
  '--',
  '',
  'COPY public.t1 (a, b) FROM stdin;',
  'x\\ty\t\\\\x00ff',
  '\\\\.\t\\N',
  'GRANT ALL ON x TO y;\t',
  '-- Name: not; Type: FK CONSTRAINT; Schema: public; Owner: x\t\\N',
  'COPY public.fake (a) FROM stdin;\t\\N',
  `${'w'.repeat(300)}\t\\N`,
  '\\.',
  '',
  '',
  '--',
  '-- Data for Name: Odd "T"; Type: TABLE DATA; Schema: Odd Schema; Owner: postgres',
  '--',
  '',
  'COPY "Odd Schema"."Odd ""T""" (x) FROM stdin;',
  '\\.',
  '',
  '',
  '--',
  '-- Name: t1_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres',
  '--',
  '',
  "SELECT pg_catalog.setval('public.t1_seq', 3, true);",
  '',
  '',
  '--',
  '-- Name: t1 t1_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres',
  '--',
  '',
  'ALTER TABLE ONLY public.t1',
  '    ADD CONSTRAINT t1_pkey PRIMARY KEY (a);',
  '',
  '',
  '--',
  '-- PostgreSQL database dump complete',
  '--',
  '',
  '\\unrestrict abc123',
  '',
  '',
].join('\n');

/** The text in pieces of the given sizes, cycling. */
function pieces(text: string, sizes: readonly number[]): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length] as number;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function gzipped(text: string, sizes: readonly number[], memberBytes?: number): Promise<{ gz: Buffer; layout: PlainLayout }> {
  const m = plainSqlMembers({ level: 6, pool: null, ...(memberBytes ? { memberBytes } : {}) });
  const parts: Buffer[] = [];
  for await (const b of m.stage(Readable.from(pieces(text, sizes)))) parts.push(b);
  if (!m.layout) throw new Error('no layout');
  return { gz: Buffer.concat(parts), layout: m.layout };
}

async function textOf(gz: Buffer, range: { offset: number; end: number }): Promise<string> {
  const out: Buffer[] = [];
  for await (const m of memberTexts(Readable.from([gz.subarray(range.offset, range.end)]), range.offset)) out.push(m.text);
  return Buffer.concat(out).toString('utf8');
}

describe('plain SQL in gzip members cut at COPY blocks', () => {
  it('is one standard gzip file of exactly the SQL, the same bytes however the stream arrives', async () => {
    const a = await gzipped(SQL, [1, 2, 3, 5, 8, 13]);
    const b = await gzipped(SQL, [64 * 1024]);
    expect(gunzipSync(a.gz).toString('utf8')).toBe(SQL);
    expect(a.gz.equals(b.gz)).toBe(true);
    expect(a.layout.bytes).toBe(a.gz.length);
    expect(a.layout.textBytes).toBe(Buffer.byteLength(SQL));
    expect(a.layout.dumpedBy).toBe('15.20 (Debian 15.20-0+deb12u1)');
  });

  it('cuts a segment per COPY block and per change between what an extract keeps and leaves out', async () => {
    const { gz, layout } = await gzipped(SQL, [7]);
    const shape = layout.segments.map((s) => (s.kind === 'copy' ? `copy ${s.schema}.${s.name} ${s.rows}` : `text ${s.extract}`));
    expect(shape).toEqual(['text true', 'text false', 'copy public.t1 6', 'text false', 'copy Odd Schema.Odd "T" 0', 'text false', 'text true', 'text false', 'text true']);
    let text = 0;
    let at = 0;
    for (const s of layout.segments) {
      expect(s.archive.offset).toBe(at);
      expect(s.text.offset).toBe(text);
      const sql = Buffer.from(SQL).subarray(s.text.offset, s.text.end).toString('utf8');
      expect(await textOf(gz, s.archive)).toBe(sql);
      if (s.kind === 'copy') expect(sql.startsWith(`${s.copyStmt}\n`) && sql.endsWith('\n\\.\n')).toBe(true);
      // Every member declares its own length.
      for (let m = s.archive.offset; m < s.archive.end; m += declaredMemberLength(gz, m) as number) expect(declaredMemberLength(gz, m)).toBeGreaterThan(20);
      at = s.archive.end;
      text = s.text.end;
    }
    expect(at).toBe(gz.length);
    const constraintText = layout.segments[7];
    expect(constraintText?.kind === 'text' && !constraintText.extract && Buffer.from(SQL).subarray(constraintText.text.offset, constraintText.text.end).toString()).toContain('PRIMARY KEY');
  });

  it('splits a large COPY block into members of at most memberBytes of text, still one segment', async () => {
    const { gz, layout } = await gzipped(SQL, [100], 64);
    const t1 = layout.segments.find((s) => s.kind === 'copy' && s.name === 't1')!;
    let members = 0;
    for (let m = t1.archive.offset; m < t1.archive.end; m += declaredMemberLength(gz, m) as number) members++;
    expect(members).toBeGreaterThan(5);
    expect(gunzipSync(gz).toString('utf8')).toBe(SQL);
  });

  it('records entries with their definitions, without pg_dump\'s SET and OWNER lines', async () => {
    const { layout } = await gzipped(SQL, [4096]);
    expect(layout.entries.map((e) => `${e.type} ${e.schema}.${e.name}`)).toEqual([
      'TABLE public.t1', 'TABLE Odd Schema.Odd "T"', 'TABLE DATA public.t1', 'TABLE DATA Odd Schema.Odd "T"', 'SEQUENCE SET public.t1_seq', 'CONSTRAINT public.t1 t1_pkey',
    ]);
    expect(layout.entries[0]?.defn).toBe('CREATE TABLE public.t1 (\n    a text,\n    b bytea\n);\n');
    expect(layout.entries[5]?.defn).toBe('ALTER TABLE ONLY public.t1\n    ADD CONSTRAINT t1_pkey PRIMARY KEY (a);\n');
  });

  it('a dump that ends inside what looked like a COPY block (a function body) is stored whole, without an index', async () => {
    const sql = 'CREATE FUNCTION f() RETURNS void AS $$\nCOPY public.x (a) FROM stdin;\n$$ LANGUAGE sql;\n-- no newline at the end';
    const m = plainSqlMembers({ level: 6, pool: null });
    const parts: Buffer[] = [];
    for await (const b of m.stage(Readable.from(pieces(sql, [5])))) parts.push(b);
    expect(gunzipSync(Buffer.concat(parts)).toString('utf8')).toBe(sql);
    expect(m.layout).toBeNull();
    expect(m.failure?.message).toBe('the dump ends inside a COPY block');
  });

  it('an empty dump is still a valid gzip file', async () => {
    const { gz, layout } = await gzipped('', [1]);
    expect(gunzipSync(gz).length).toBe(0);
    expect(layout.segments).toHaveLength(1);
  });
});

describe('the plain index', () => {
  const key = 'database_backups/2026/01/02/shop_20260102_030405.sql.gz';

  it('is rebuilt from the stored object alone exactly as the backup wrote it', async () => {
    const { gz, layout } = await gzipped(SQL, [3], 50);
    const written = buildPlainIndex(key, layout, null, gz.length);
    const rebuilt = await buildPlainIndexFromObject(key, Readable.from([gz.subarray(0, 10), gz.subarray(10)]), null, gz.length);
    expect(rebuilt).toEqual(written);
    expect(parsePlainIndexText(serializeIndex(written).text, key)).toEqual({ status: 'ok', index: written });
  });

  it('is refused, in one sentence, for a plain backup others gzipped: it stays streaming-only', async () => {
    const theirs = gzipSync(Buffer.from(SQL));
    await expect(buildPlainIndexFromObject(key, Readable.from([theirs]), null, theirs.length)).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/^Backup .* is plain SQL whose gzip members are not cut at its COPY blocks \(.*\): .*stays streaming-only/) as unknown,
    });
  });

  it('is validated as untrusted input: wrong ranges, another key, the other format, a newer version', async () => {
    const { gz, layout } = await gzipped(SQL, [4096]);
    const index = buildPlainIndex(key, layout, null, gz.length);
    const text = (i: object) => JSON.stringify(i);
    const shifted = structuredClone<PlainIndex>(index);
    (shifted.segments[2] as CopySegment).archive.offset += 1;
    expect(parsePlainIndexText(text(shifted), key)).toMatchObject({ status: 'damaged', problem: 'its index has segments that do not follow one another' });
    expect(parsePlainIndexText(text(index), 'database_backups/2026/01/02/other_20260102_030405.sql.gz')).toMatchObject({ status: 'damaged', problem: 'its index describes another key' });
    expect(parsePlainIndexText(text({ ...index, formatVersion: 1 }), key)).toMatchObject({ status: 'damaged' });
    expect(parsePlainIndexText(text({ ...index, formatVersion: 3 }), key)).toMatchObject({ status: 'newer-format' });
    expect(parsePlainIndexText('{', key)).toMatchObject({ status: 'damaged', problem: 'its index is not valid JSON' });
  });

  it('a segment read through a wrong index is caught: another COPY block, other rows, a COPY block in text', async () => {
    const { gz, layout } = await gzipped(SQL, [4096]);
    const index = buildPlainIndex(key, layout, null, gz.length);
    const [t1, odd] = index.segments.filter((s): s is CopySegment => s.kind === 'copy') as [CopySegment, CopySegment];
    const run = async (check: { push(b: Buffer): void; done(): void }, range: { offset: number; end: number }): Promise<void> => {
      for await (const m of memberTexts(Readable.from([gz.subarray(range.offset, range.end)]), range.offset)) check.push(m.text);
      check.done();
    };
    await run(new CopySegmentCheck(t1), t1.archive);
    await expect(run(new CopySegmentCheck(t1), odd.archive)).rejects.toThrow(PlainIndexMismatch);
    await expect(run(new CopySegmentCheck({ ...t1, fingerprint: '0'.repeat(32) }), t1.archive)).rejects.toThrow(/not the ones the index counted/);
    await expect(run(new CopySegmentCheck({ ...t1, rows: 4 }), t1.archive)).rejects.toThrow(PlainIndexMismatch);
    const text = index.segments[1] as Extract<PlainIndex['segments'][number], { kind: 'text' }>;
    await expect(run(new TextSegmentCheck({ ...text, text: { offset: text.text.offset, end: t1.text.end } }), { offset: text.archive.offset, end: t1.archive.end })).rejects.toThrow(/holds a COPY block/);
    await expect(run(new TextSegmentCheck({ ...text, extract: true }), text.archive)).rejects.toThrow(/entry the index classes otherwise/);
    // A range that starts inside a member, or ends inside one.
    await expect(run(new CopySegmentCheck(t1), { offset: t1.archive.offset + 1, end: t1.archive.end })).rejects.toThrow(/not a gzip member of a Lifeboat plain backup/);
    await expect(run(new CopySegmentCheck(t1), { offset: t1.archive.offset, end: t1.archive.end - 1 })).rejects.toThrow(PlainIndexMismatch);
  });

  it('an extract restores the definitions and the chosen tables\' COPY blocks, in order', async () => {
    const { gz, layout } = await gzipped(SQL, [4096]);
    const index = buildPlainIndex(key, layout, null, gz.length);
    const chosen = extractSegments(index, [{ schema: 'public', name: 't1' }]);
    const sql = (await Promise.all(chosen.map((s) => textOf(gz, s.archive)))).join('');
    expect(sql).toContain('CREATE TABLE public.t1');
    expect(sql).toContain("SELECT pg_catalog.setval('public.t1_seq', 3, true);");
    expect(sql).toContain('COPY public.t1 (a, b) FROM stdin;');
    expect(sql).not.toContain('COPY "Odd Schema"');
    expect(sql).not.toContain('PRIMARY KEY');
    expect(sql.trimEnd().endsWith('\\unrestrict abc123')).toBe(true);
    expect(gunzipSync(Buffer.concat(chosen.map((s) => gz.subarray(s.archive.offset, s.archive.end)))).toString('utf8')).toBe(sql);
    expect(() => extractSegments(index, [{ schema: 'public', name: 'nope' }])).toThrow(/^There is no table public\.nope in the backup\.$/);
  });
});
