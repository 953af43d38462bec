// The index of a plain SQL backup (format version 2 of `<key>.index.json`, docs/index-format.md):
// where each table's COPY block and the text between blocks lie as gzip members in the stored
// object, with each table's exact rows and fingerprint. It comes back from storage, so it is
// untrusted: validated here, and every segment read through it is checked (plain-segment-read.ts).
import { z } from 'zod';
import type { PlainLayout } from '../compress/plain-members.js';
import { INDEX_FORMAT_VERSION, readIndexJson, schemaProblem, storedRange, type EncryptionLayout } from './index-file.js';

export const PLAIN_INDEX_FORMAT_VERSION = 2;

const str = (max: number) => z.string().max(max);
const count = z.number().int().nonnegative();
const rangeSchema = z.object({ offset: count, end: count }).refine((r) => r.end >= r.offset, 'end before offset');

const placed = { archive: rangeSchema, stored: rangeSchema, text: rangeSchema };

export const plainSegmentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), ...placed, extract: z.boolean() }),
  z.object({
    kind: z.literal('copy'),
    ...placed,
    schema: str(100_000),
    name: str(100_000),
    copyStmt: str(16 * 1024 * 1024),
    rows: count,
    rawBytes: count,
    fingerprint: z.string().regex(/^[0-9a-f]{32}$/),
  }),
]);

export const plainIndexSchema = z.looseObject({
  formatVersion: z.literal(PLAIN_INDEX_FORMAT_VERSION),
  kind: z.literal('plain-sql'),
  key: z.string().min(1).max(1024),
  sql: z.object({
    /** Length of the gzip stream (the plaintext of an encrypted backup). */
    bytes: count,
    /** Length of the SQL text. */
    textBytes: count,
    serverVersion: str(1000).nullable(),
    pgDumpVersion: str(1000).nullable(),
  }),
  encryption: z.object({ headerBytes: count, chunkSize: z.number().int().min(1).max(16 * 1024 * 1024) }).nullable(),
  storedBytes: count,
  segments: z.array(plainSegmentSchema).max(10_000_000),
  entries: z.array(z.object({ type: str(200), schema: str(100_000).nullable(), name: str(100_000), defn: str(64 * 1024 * 1024).nullable() })).max(10_000_000),
});

export type PlainIndex = z.infer<typeof plainIndexSchema>;
export type PlainIndexSegment = z.infer<typeof plainSegmentSchema>;
export type CopySegment = Extract<PlainIndexSegment, { kind: 'copy' }>;

export function buildPlainIndex(key: string, layout: PlainLayout, enc: EncryptionLayout | null, storedBytes: number): PlainIndex {
  return {
    formatVersion: PLAIN_INDEX_FORMAT_VERSION,
    kind: 'plain-sql',
    key,
    sql: { bytes: layout.bytes, textBytes: layout.textBytes, serverVersion: layout.dumpedFrom, pgDumpVersion: layout.dumpedBy },
    encryption: enc,
    storedBytes,
    segments: layout.segments.map((s) => {
      const place = { archive: s.archive, stored: storedRange(s.archive.offset, s.archive.end, enc, layout.bytes), text: s.text };
      if (s.kind === 'text') return { kind: 'text' as const, ...place, extract: s.extract };
      return { kind: 'copy' as const, ...place, schema: s.schema, name: s.name, copyStmt: s.copyStmt, rows: s.rows ?? 0, rawBytes: s.rawBytes ?? 0, fingerprint: s.fingerprint ?? '0'.repeat(32) };
    }),
    entries: layout.entries,
  };
}

/** Checks a parsed plain index's ranges: segments in order, back to back, inside the object. */
export function plainIndexProblem(index: PlainIndex): string | null {
  let gz = 0;
  let text = 0;
  for (const s of index.segments) {
    if (s.archive.offset !== gz || s.text.offset !== text || s.archive.end <= s.archive.offset) return 'its index has segments that do not follow one another';
    if (s.stored.end > index.storedBytes) return 'its index puts a segment outside the object';
    gz = s.archive.end;
    text = s.text.end;
  }
  if (gz !== index.sql.bytes || text !== index.sql.textBytes) return 'its index segments do not cover the whole backup';
  return null;
}

/** The COPY segment of `schema.name` (or a table name only one schema has). */
export function findCopySegment(index: PlainIndex, table: string): CopySegment | null {
  const copies = index.segments.filter((s): s is CopySegment => s.kind === 'copy');
  const exact = copies.find((s) => `${s.schema}.${s.name}` === table);
  if (exact) return exact;
  const byName = copies.filter((s) => s.name === table);
  return byName.length === 1 ? (byName[0] as CopySegment) : null;
}

/** Validates a plain SQL backup's index text for the backup `key` it sits beside (pure, untrusted input). */
export function parsePlainIndexText(text: string, key: string): PlainIndexRead {
  const read = readIndexJson(text);
  if (!read.ok) return read.read.status === 'ok' ? { status: 'damaged', problem: 'its index is damaged' } : read.read;
  if (read.version === INDEX_FORMAT_VERSION) return { status: 'damaged', problem: 'its index describes a custom-format archive, not plain SQL' };
  const parsed = plainIndexSchema.safeParse(read.json);
  if (!parsed.success) return { status: 'damaged', problem: schemaProblem(parsed.error) };
  if (parsed.data.key !== key) return { status: 'damaged', problem: 'its index describes another key' };
  const problem = plainIndexProblem(parsed.data);
  return problem ? { status: 'damaged', problem } : { status: 'ok', index: parsed.data };
}

export type PlainIndexRead = { status: 'ok'; index: PlainIndex } | { status: 'missing' } | { status: 'damaged' | 'newer-format'; problem: string };
