// The archive index: a sidecar `<key>.index.json` beside a custom-format backup, written by the
// backup as the dump streams (or later by `lifeboat index`), so that show, peek, diff and
// selective restore can read a backup's table of contents and any one table's data block with
// ranged reads. docs/index-format.md describes every field. It comes back from storage, so it is
// untrusted: validated here, and every block is checked against its dump id when it is read.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TAG_BYTES } from '../crypto/format.js';
import { FINGERPRINT_KIND } from './copy-text.js';
import type { ArchiveScan } from './scan-archive.js';

export const INDEX_FORMAT_VERSION = 1;
export const MAX_INDEX_BYTES = 256 * 1024 * 1024;

const str = (max: number) => z.string().max(max);
const count = z.number().int().nonnegative();

const rangeSchema = z.object({ offset: count, end: count }).refine((r) => r.end >= r.offset, 'end before offset');

export const indexEntrySchema = z.object({
  dumpId: z.number().int(),
  desc: str(200).nullable(),
  tag: str(100_000).nullable(),
  namespace: str(100_000).nullable(),
  owner: str(100_000).nullable(),
  section: z.number().int(),
  /** The object's SQL definition as pg_dump wrote it (for diffs of definitions). */
  defn: str(64 * 1024 * 1024).nullable(),
  /** COPY statement of a TABLE DATA entry (names its columns). */
  copyStmt: str(16 * 1024 * 1024).nullable(),
  dependencies: z.array(z.number().int()).max(1_000_000),
  hadDumper: z.boolean(),
});

export const indexBlockSchema = z.object({
  dumpId: z.number().int(),
  /** 1 = table data, 3 = large objects. */
  type: z.union([z.literal(1), z.literal(3)]),
  /** Byte range in the archive pg_dump wrote (the plaintext, for an encrypted backup). */
  archive: rangeSchema,
  /** Byte range in the stored object (whole encrypted chunks for an encrypted backup). */
  stored: rangeSchema,
  rows: count.nullable(),
  rawBytes: count.nullable(),
  fingerprint: z.string().regex(/^[0-9a-f]{32}$/).nullable(),
  largeObjects: count.optional(),
});

export const archiveIndexSchema = z.looseObject({
  formatVersion: z.literal(INDEX_FORMAT_VERSION),
  key: z.string().min(1).max(1024),
  archive: z.object({
    version: z.enum(['1.12', '1.13', '1.14', '1.15', '1.16']),
    intSize: z.number().int().min(1).max(8),
    offSize: z.number().int().min(1).max(8),
    compression: z.enum(['none', 'gzip', 'lz4', 'zstd']),
    database: str(100_000).nullable(),
    serverVersion: str(1000).nullable(),
    pgDumpVersion: str(1000).nullable(),
    /** Header bytes; the TOC follows them. */
    headBytes: count,
    /** Where the TOC ends and the first data block starts. */
    tocEnd: count,
    /** Size of the whole archive. */
    bytes: count,
  }),
  /** How the stored object is encrypted (null: stored as pg_dump wrote it). */
  encryption: z.object({ headerBytes: count, chunkSize: z.number().int().min(1).max(16 * 1024 * 1024) }).nullable(),
  storedBytes: count,
  /** How the blocks' fingerprints were computed; absent in the first indexes, whose are SHA-256 sums. */
  fingerprints: z.literal(FINGERPRINT_KIND).optional(),
  entries: z.array(indexEntrySchema).max(10_000_000),
  blocks: z.array(indexBlockSchema).max(10_000_000),
});

export type ArchiveIndex = z.infer<typeof archiveIndexSchema>;
export type IndexEntry = z.infer<typeof indexEntrySchema>;
export type IndexBlock = z.infer<typeof indexBlockSchema>;
export interface EncryptionLayout {
  headerBytes: number;
  chunkSize: number;
}

/**
 * Where plaintext bytes [offset, end) of a `plainBytes`-long archive lie in its encrypted object:
 * the whole chunks holding them, each C plaintext bytes + a 16-byte tag after the header (the last
 * chunk may be shorter). docs/encryption-format.md.
 */
export function storedRange(offset: number, end: number, enc: EncryptionLayout | null, plainBytes: number): { offset: number; end: number } {
  if (!enc) return { offset, end };
  const per = enc.chunkSize + TAG_BYTES;
  const first = Math.floor(offset / enc.chunkSize);
  const last = end > offset ? Math.floor((end - 1) / enc.chunkSize) : first;
  const lastLen = Math.min((last + 1) * enc.chunkSize, plainBytes) - last * enc.chunkSize;
  return { offset: enc.headerBytes + first * per, end: enc.headerBytes + last * per + Math.max(lastLen, 0) + TAG_BYTES };
}

/** The index of a scanned archive, stored encrypted with `enc` or as is. */
export function buildIndex(key: string, scan: ArchiveScan, enc: EncryptionLayout | null): ArchiveIndex {
  const plainEnd = scan.bytes;
  const storedBytes = enc ? enc.headerBytes + plainEnd + TAG_BYTES * Math.ceil(plainEnd / enc.chunkSize) + TAG_BYTES : plainEnd;
  return {
    formatVersion: INDEX_FORMAT_VERSION,
    key,
    archive: {
      version: scan.head.version as ArchiveIndex['archive']['version'],
      intSize: scan.head.intSize,
      offSize: scan.head.offSize,
      compression: scan.head.compression,
      database: scan.head.database,
      serverVersion: scan.head.serverVersion,
      pgDumpVersion: scan.head.pgDumpVersion,
      headBytes: scan.head.bytes,
      tocEnd: scan.tocEnd,
      bytes: scan.bytes,
    },
    encryption: enc,
    storedBytes,
    fingerprints: FINGERPRINT_KIND,
    entries: scan.toc.map((e) => ({
      dumpId: e.dumpId, desc: e.desc, tag: e.tag, namespace: e.namespace, owner: e.owner, section: e.section,
      defn: e.defn, copyStmt: e.copyStmt, dependencies: e.dependencies, hadDumper: e.hadDumper,
    })),
    blocks: scan.blocks.map((b) => ({
      dumpId: b.dumpId,
      type: b.type === 3 ? 3 : 1,
      archive: { offset: b.offset, end: b.end },
      stored: storedRange(b.offset, b.end, enc, plainEnd),
      rows: b.rows,
      rawBytes: b.rawBytes,
      fingerprint: b.fingerprint,
      ...(b.largeObjects !== undefined ? { largeObjects: b.largeObjects } : {}),
    })),
  };
}

/** Either format's index (ArchiveIndex, or PlainIndex from plain-index.ts) as stored. */
export function serializeIndex(index: object): { text: string; sizeBytes: number; sha256: string } {
  const text = `${JSON.stringify(index)}\n`;
  const bytes = Buffer.from(text, 'utf8');
  return { text, sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export type IndexRead = { status: 'ok'; index: ArchiveIndex } | { status: 'missing' } | { status: 'damaged' | 'newer-format'; problem: string };

/** The newest index format version this Lifeboat reads: 1 describes custom archives, 2 plain SQL (plain-index.ts). */
export const NEWEST_INDEX_FORMAT_VERSION = 2;

/**
 * An index's JSON and its format version, or why it cannot be read at all (too large, not JSON,
 * newer than this Lifeboat). Shared by both index formats.
 */
export function readIndexJson(text: string): { ok: true; json: unknown; version: unknown } | { ok: false; read: IndexRead } {
  if (text.length > MAX_INDEX_BYTES) return { ok: false, read: { status: 'damaged', problem: `its index is larger than ${MAX_INDEX_BYTES} bytes` } };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, read: { status: 'damaged', problem: 'its index is not valid JSON' } };
  }
  const version = typeof json === 'object' && json !== null ? (json as { formatVersion?: unknown }).formatVersion : undefined;
  if (typeof version === 'number' && version > NEWEST_INDEX_FORMAT_VERSION) {
    return { ok: false, read: { status: 'newer-format', problem: `its index has format version ${version}, newer than this Lifeboat reads (${NEWEST_INDEX_FORMAT_VERSION})` } };
  }
  return { ok: true, json, version };
}

/** The first schema issue, worded for a message. */
export function schemaProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `its index is damaged (${where}${issue?.message ?? 'invalid'})`;
}

/** Validates an index's text for the backup `key` it sits beside (pure, untrusted input). */
export function parseIndexText(text: string, key: string): IndexRead {
  const read = readIndexJson(text);
  if (!read.ok) return read.read;
  if (read.version === NEWEST_INDEX_FORMAT_VERSION) return { status: 'damaged', problem: 'its index describes a plain SQL backup, not a custom-format archive' };
  const parsed = archiveIndexSchema.safeParse(read.json);
  if (!parsed.success) return { status: 'damaged', problem: schemaProblem(parsed.error) };
  if (parsed.data.key !== key) return { status: 'damaged', problem: 'its index describes another key' };
  const idx = parsed.data;
  for (const b of idx.blocks) {
    if (b.archive.end > idx.archive.bytes || b.stored.end > idx.storedBytes || b.archive.offset < idx.archive.tocEnd) {
      return { status: 'damaged', problem: `its index puts block ${b.dumpId} outside the archive` };
    }
  }
  return { status: 'ok', index: idx };
}
