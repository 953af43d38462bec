// What `lifeboat show`, `lifeboat peek`, `lifeboat index` and the app's Browse screen use: a
// backup's contents and a table's first rows, from the archive index with ranged reads (no
// PostgreSQL server, no restore), falling back to streaming the backup when it has no index or the
// index proves wrong. An index is untrusted: every block read through it must start with the dump
// id the index promised, or the answer comes from the stream instead — never wrong data.
import type { BackupContents, BackupTable, TablePeek } from '../../../shared/backup-contents.js';
import { indexKeyFor, parseBackupKey } from '../../../shared/backup-key.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import { readManifest } from '../backup/list-backups.js';
import { checkedBackupKey } from '../backup/checked-key.js';
import { openBackupPlaintext } from '../crypto/backup-decryption.js';
import type { KeyResolver } from '../crypto/decrypt-stream.js';
import { looksEncrypted, parseHeader } from '../crypto/format.js';
import { MAX_HEADER_BYTES } from '../crypto/chunk-reader.js';
import { LifeboatError, throwIfAborted } from '../errors.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import { openStorage } from '../storage/open-storage.js';
import type { BackupStorage } from '../storage/storage.js';
import { parseStorageTarget, type StorageTarget } from '../storage/target.js';
import { BlockDecoder } from './block-decoder.js';
import { ByteReader } from './byte-reader.js';
import { CopyRowStats, decodeCopyLine } from './copy-text.js';
import {
  ArchiveInts, BLK_DATA, columnsOfCopyStatement, readArchiveHead, readBlockStart, readChunks, readToc, skipBlobs,
  type ArchiveCompression, type TocEntry,
} from './custom-format.js';
import { firstRowsViaPgRestore } from './peek-via-pg-restore.js';
import { buildIndex, parseIndexText, serializeIndex, type ArchiveIndex, type IndexRead } from './index-file.js';
import { objectsOf, schemasOf } from './contents-of.js';
import { buildPlainIndexFromObject, contentsFromPlainIndex, peekPlainByStreaming, peekPlainViaIndex, readPlainIndex } from './plain-browse.js';
import type { PlainIndex } from './plain-index.js';
import { readBlockBytes } from './ranged-block.js';
import { scanArchive } from './scan-archive.js';

export interface BrowseRequest {
  to?: string | StorageTarget | undefined;
  key: string;
  env?: NodeJS.ProcessEnv;
  /** Master keys for encrypted backups (default: the keychain). */
  resolveKey?: KeyResolver;
  signal?: AbortSignal | undefined;
}

export interface PeekRequest extends BrowseRequest {
  /** "schema.name" (or a table name that only one schema has). */
  table: string;
  /** Rows to return (default 20, at most 10,000). */
  limit?: number | undefined;
  /** A folder holding the pg_restore to prefer (lz4/zstd archives are read through it). */
  pgBinDir?: string | undefined;
}

/** A peek, and how it was read: through the index (ranged reads) or by streaming the backup. */
export type PeekResult = TablePeek & { via: 'index' | 'stream'; note?: string };

export const DEFAULT_PEEK_LIMIT = 20;
export const MAX_PEEK_LIMIT = 10_000;

function open(req: BrowseRequest): { storage: BackupStorage; key: string; env: NodeJS.ProcessEnv; resolveKey: KeyResolver } {
  const env = req.env ?? process.env;
  const target = typeof req.to === 'object' ? req.to : parseStorageTarget(req.to, env);
  const key = checkedBackupKey(req.key, target.prefix);
  return { storage: openStorage(target), key, env, resolveKey: req.resolveKey ?? keychainKeyResolver(env) };
}

/** The backup's index sidecar, validated; missing, damaged or newer-format otherwise. */
export async function readArchiveIndex(storage: BackupStorage, key: string): Promise<IndexRead> {
  const text = await storage.getSmall(indexKeyFor(key));
  if (text === null) return { status: 'missing' };
  return parseIndexText(text, key);
}

function isCustom(key: string, manifest: BackupManifest | null): boolean {
  if (manifest) return manifest.format === 'custom';
  return parseBackupKey(key)?.format !== 'plain' && !/\.sql(\.gz)?(\.enc)?$/.test(key);
}

async function requireBackup(storage: BackupStorage, key: string): Promise<void> {
  if (!(await storage.head(key))) throw new LifeboatError('NOT_FOUND', `There is no backup ${key} in ${storage.display}.`, { hint: { kind: 'list-backups' } });
}

/** Schemas, tables (rows, sizes, fingerprints) and other objects of a backup. */
export async function showBackup(req: BrowseRequest): Promise<BackupContents> {
  const { storage, key, resolveKey } = open(req);
  await requireBackup(storage, key);
  const manifest = await readManifest(storage, key);
  if (!isCustom(key, manifest)) {
    const plain = await readPlainIndex(storage, key);
    return plain.status === 'ok' ? contentsFromPlainIndex(key, plain.index, manifest) : contentsFromManifest(key, manifest, 'plain', []);
  }
  const read = await readArchiveIndex(storage, key);
  if (read.status === 'ok') return contentsFromIndex(key, read.index);
  // No index: the TOC is at the start of the archive; read that far and stop the download.
  const body = await openBackupPlaintext(storage, key, resolveKey, { signal: req.signal });
  const r = new ByteReader(body as AsyncIterable<Buffer>);
  try {
    const { head, ints } = await readArchiveHead(r);
    const toc = await readToc(head, ints);
    return contentsFromManifest(key, manifest, 'custom', toc, head.database);
  } catch (e) {
    throw archiveError(key, e);
  } finally {
    body.destroy();
  }
}

function archiveError(key: string, e: unknown): Error {
  if (e instanceof LifeboatError) return e;
  return new LifeboatError('ARCHIVE_UNREADABLE', `Backup ${key} cannot be read as a pg_dump archive: ${e instanceof Error ? e.message : String(e)}.`);
}

export function contentsFromIndex(key: string, index: ArchiveIndex): BackupContents {
  const blocks = new Map(index.blocks.map((b) => [b.dumpId, b]));
  const tables: BackupTable[] = index.entries
    .filter((e) => e.desc === 'TABLE DATA')
    .map((e) => {
      const b = blocks.get(e.dumpId);
      return {
        schema: e.namespace ?? '',
        name: e.tag ?? '',
        rows: b?.rows ?? null,
        storedBytes: b ? b.stored.end - b.stored.offset : null,
        rawBytes: b?.rawBytes ?? null,
        fingerprint: b?.fingerprint ?? null,
      };
    });
  return { key, database: index.archive.database, format: 'custom', indexed: true, schemas: schemasOf(index.entries), tables, objects: objectsOf(index.entries) };
}

function contentsFromManifest(key: string, manifest: BackupManifest | null, format: 'custom' | 'plain', toc: readonly TocEntry[], database: string | null = null): BackupContents {
  const counted = new Map((manifest?.tables ?? []).map((t) => [`${t.schema}\u0000${t.name}`, t]));
  const names = toc.length > 0
    ? toc.filter((e) => e.desc === 'TABLE DATA').map((e) => ({ schema: e.namespace ?? '', name: e.tag ?? '' }))
    : (manifest?.tables ?? []).map((t) => ({ schema: t.schema, name: t.name }));
  const tables: BackupTable[] = names.map((n) => {
    const t = counted.get(`${n.schema}\u0000${n.name}`);
    return { ...n, rows: t?.rows ?? null, storedBytes: null, rawBytes: null, fingerprint: t?.fingerprint ?? null };
  });
  const schemas = toc.length > 0 ? schemasOf(toc) : [...new Set(tables.map((t) => t.schema))].sort();
  return { key, database: manifest?.database ?? database, format, indexed: false, schemas, tables, objects: objectsOf(toc) };
}

function findTable<T extends { desc: string | null; namespace: string | null; tag: string | null }>(entries: readonly T[], table: string): T | null {
  const data = entries.filter((e) => e.desc === 'TABLE DATA');
  const exact = data.find((e) => `${e.namespace}.${e.tag}` === table);
  if (exact) return exact;
  const byName = data.filter((e) => e.tag === table);
  return byName.length === 1 ? (byName[0] as T) : null;
}

function noSuchTable(key: string, table: string): LifeboatError {
  return new LifeboatError('BAD_INPUT', `Backup ${key} has no table ${JSON.stringify(table)}.`, { hint: { kind: 'choose-table' } });
}

function checkedLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_PEEK_LIMIT;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PEEK_LIMIT) throw new LifeboatError('BAD_INPUT', `The limit ${String(limit)} is not a whole number from 0 to ${MAX_PEEK_LIMIT}; pass --limit N.`);
  return n;
}

/** Reads a block's COPY text from the reader (positioned after its start) until `limit` + 1 rows. */
async function firstRows(r: ByteReader, ints: ArchiveInts, compression: ArchiveCompression, limit: number): Promise<{ lines: string[]; truncated: boolean }> {
  const stats = new CopyRowStats(limit + 1);
  const decoder = new BlockDecoder(compression, (t) => stats.push(t));
  // Callers route lz4/zstd archives through pg_restore first; this is the last guard.
  if (!decoder.supported) throw new LifeboatError('BAD_INPUT', `This archive is compressed with ${compression}, which Lifeboat cannot read without pg_restore; restore or extract the table instead.`);
  try {
    const whole = await readChunks(r, ints, async (bytes) => {
      await decoder.write(bytes);
      return stats.rows <= limit;
    });
    if (whole) await decoder.end();
  } finally {
    decoder.destroy();
  }
  return { lines: stats.kept.slice(0, limit), truncated: stats.rows > limit };
}

/** The first rows of one table, values exactly as PostgreSQL's text form. */
export async function peekTable(req: PeekRequest): Promise<PeekResult> {
  const { storage, key, env, resolveKey } = open(req);
  const limit = checkedLimit(req.limit);
  await requireBackup(storage, key);
  const manifest = await readManifest(storage, key);
  if (!isCustom(key, manifest)) return peekPlain(storage, key, req, limit, manifest, resolveKey);
  const read = await readArchiveIndex(storage, key);
  let note: string | undefined;
  // lz4/zstd blocks cannot be decompressed here: the stream goes to pg_restore instead (below).
  if (read.status === 'ok' && readsItself(read.index.archive.compression)) {
    const entry = findTable(read.index.entries, req.table);
    if (!entry) throw noSuchTable(key, req.table);
    const block = read.index.blocks.find((b) => b.dumpId === entry.dumpId);
    if (block) {
      try {
        const r = new ByteReader(readBlockBytes(storage, key, read.index, block, resolveKey, req.signal, { progressive: true }), block.archive.offset);
        const ints = new ArchiveInts(r, read.index.archive.intSize, read.index.archive.offSize);
        const start = await readBlockStart(r, ints);
        if (start.type !== BLK_DATA || start.dumpId !== entry.dumpId) throw new Error(`the block at byte ${block.archive.offset} has dump id ${start.dumpId}, not ${entry.dumpId}`);
        const rows = await firstRows(r, ints, read.index.archive.compression, limit);
        await r.close();
        return peekOf(key, entry, rows, 'index');
      } catch (e) {
        note = indexReadNote(key, e, req.signal);
      }
    }
  }
  throwIfAborted(req.signal, 'Peek');
  const result = await peekByStreaming(storage, key, req.table, limit, resolveKey, req.signal, { env, pgBinDir: req.pgBinDir });
  return note ? { ...result, note } : result;
}

/** A plain SQL backup's first rows: through its index when it has a valid one, else by streaming it. */
async function peekPlain(storage: BackupStorage, key: string, req: PeekRequest, limit: number, manifest: BackupManifest | null, resolveKey: KeyResolver): Promise<PeekResult> {
  const read = await readPlainIndex(storage, key);
  let note: string | undefined;
  if (read.status === 'ok') {
    try {
      const peek = await peekPlainViaIndex(storage, key, read.index, req.table, limit, resolveKey, req.signal);
      if (!peek) throw noSuchTable(key, req.table);
      return { key, ...peek, via: 'index' };
    } catch (e) {
      note = indexReadNote(key, e, req.signal);
    }
  } else if (read.status === 'damaged') note = wrongIndexNote(key, new Error(read.problem));
  throwIfAborted(req.signal, 'Peek');
  let peek: Awaited<ReturnType<typeof peekPlainByStreaming>>;
  try {
    peek = await peekPlainByStreaming(storage, key, req.table, limit, manifest, resolveKey, req.signal);
  } catch (e) {
    if (e instanceof LifeboatError) throw e;
    throw new LifeboatError('ARCHIVE_UNREADABLE', `Backup ${key} cannot be read as gzipped plain SQL: ${e instanceof Error ? e.message : String(e)}.`);
  }
  if (!peek) throw noSuchTable(key, req.table);
  return { key, ...peek, via: 'stream', ...(note ? { note } : {}) };
}

/**
 * A peek through the index failed: a cancel, a missing or wrong key and bad input stop the peek;
 * anything else is the index's fault, and the note says the rows came from the stream instead.
 */
function indexReadNote(key: string, e: unknown, signal: AbortSignal | undefined): string {
  if (signal?.aborted) throw e;
  if (e instanceof LifeboatError && (e.code === 'ENCRYPTION_KEY_MISSING' || e.code === 'ENCRYPTION_KEY_WRONG' || e.code === 'BAD_INPUT')) throw e;
  return wrongIndexNote(key, e);
}

function wrongIndexNote(key: string, e: unknown): string {
  return `The archive index of ${key} is wrong (${e instanceof Error ? e.message : String(e)}); the rows were read by streaming the backup instead. \`lifeboat index --key ${key} --force\` rebuilds it.`;
}

/** gzip and uncompressed blocks Lifeboat decodes itself; lz4 and zstd (pg_dump 16+) only pg_restore does. */
function readsItself(compression: ArchiveCompression): boolean {
  return compression === 'none' || compression === 'gzip';
}

function peekOf(key: string, entry: { namespace: string | null; tag: string | null; copyStmt: string | null }, rows: { lines: string[]; truncated: boolean }, via: 'index' | 'stream'): PeekResult {
  return {
    key,
    schema: entry.namespace ?? '',
    table: entry.tag ?? '',
    columns: columnsOfCopyStatement(entry.copyStmt),
    rows: rows.lines.map(decodeCopyLine),
    truncated: rows.truncated,
    via,
  };
}

/** Without (a trustworthy) index: read the archive from its start, skipping other tables' blocks. */
async function peekByStreaming(storage: BackupStorage, key: string, table: string, limit: number, resolveKey: KeyResolver, signal: AbortSignal | undefined, tools: { env: NodeJS.ProcessEnv; pgBinDir: string | undefined }): Promise<PeekResult> {
  const body = await openBackupPlaintext(storage, key, resolveKey, { signal });
  const r = new ByteReader(body as AsyncIterable<Buffer>);
  try {
    const { head, ints } = await readArchiveHead(r);
    const toc = await readToc(head, ints);
    const entry = findTable(toc, table);
    if (!entry) throw noSuchTable(key, table);
    if (!readsItself(head.compression)) {
      body.destroy();
      const again = await openBackupPlaintext(storage, key, resolveKey, { signal });
      const major = /^(\d+)/.exec(head.pgDumpVersion ?? '')?.[1];
      const rows = await firstRowsViaPgRestore({
        body: again, schema: entry.namespace ?? '', table: entry.tag ?? '', limit, pgDumpMajor: major ? Number(major) : null, pgDumpVersion: head.pgDumpVersion, pgBinDir: tools.pgBinDir, env: tools.env, signal,
      });
      const peek = peekOf(key, entry, rows, 'stream');
      return { ...peek, note: `Backup ${key} is compressed with ${head.compression}, which Lifeboat cannot decompress itself; the rows were read through pg_restore, streaming the backup.` };
    }
    while (!(await r.atEnd())) {
      const start = await readBlockStart(r, ints);
      if (start.dumpId === entry.dumpId && start.type === BLK_DATA) return peekOf(key, entry, await firstRows(r, ints, head.compression, limit), 'stream');
      if (start.type === BLK_DATA) await readChunks(r, ints, () => true);
      else await skipBlobs(r, ints);
    }
    return peekOf(key, entry, { lines: [], truncated: false }, 'stream');
  } catch (e) {
    throw archiveError(key, e);
  } finally {
    body.destroy();
  }
}

export interface IndexBuildResult {
  key: string;
  indexKey: string;
  /** False when a valid index was already there (and --force was not given). */
  created: boolean;
  tables: number;
  blocks: number;
}

/**
 * `lifeboat index`: builds the index of a custom-format backup that has none (older Lifeboat
 * backups, archives other tools wrote) by streaming it once. The backup itself is not touched.
 */
export async function indexBackup(req: BrowseRequest & { force?: boolean }): Promise<IndexBuildResult> {
  const { storage, key, resolveKey } = open(req);
  const stored = await storage.head(key);
  if (!stored) throw new LifeboatError('NOT_FOUND', `There is no backup ${key} in ${storage.display}.`, { hint: { kind: 'list-backups' } });
  const manifest = await readManifest(storage, key);
  if (!isCustom(key, manifest)) return indexPlainBackup(storage, key, stored.size, req, resolveKey);
  const existing = await readArchiveIndex(storage, key);
  if (existing.status === 'ok' && !req.force) return { key, indexKey: indexKeyFor(key), created: false, tables: existing.index.entries.filter((e) => e.desc === 'TABLE DATA').length, blocks: existing.index.blocks.length };
  const start = await readStart(storage, key, req.signal);
  const layout = looksEncrypted(start) ? parseHeader(start) : null;
  const body = await openBackupPlaintext(storage, key, resolveKey, { signal: req.signal });
  let index: ArchiveIndex;
  try {
    index = buildIndex(key, await scanArchive(body as AsyncIterable<Buffer>), layout ? { headerBytes: layout.bytes.length, chunkSize: layout.chunkSize } : null);
  } catch (e) {
    throw archiveError(key, e);
  } finally {
    body.destroy();
  }
  if (index.storedBytes !== stored.size) throw new LifeboatError('ARCHIVE_UNREADABLE', `Backup ${key} has ${stored.size} bytes but its archive accounts for ${index.storedBytes}; no index was written.`);
  throwIfAborted(req.signal, 'Indexing');
  await storage.putSmall(indexKeyFor(key), serializeIndex(index).text, { contentType: 'application/json', mode: existing.status === 'missing' ? 'create' : 'replace' });
  return { key, indexKey: indexKeyFor(key), created: true, tables: index.entries.filter((e) => e.desc === 'TABLE DATA').length, blocks: index.blocks.length };
}

/** `lifeboat index` for a plain SQL backup whose gzip members are cut at its COPY blocks. */
async function indexPlainBackup(storage: BackupStorage, key: string, storedSize: number, req: BrowseRequest & { force?: boolean }, resolveKey: KeyResolver): Promise<IndexBuildResult> {
  const existing = await readPlainIndex(storage, key);
  const tablesOf = (index: PlainIndex): number => index.segments.filter((s) => s.kind === 'copy').length;
  if (existing.status === 'ok' && !req.force) return { key, indexKey: indexKeyFor(key), created: false, tables: tablesOf(existing.index), blocks: existing.index.segments.length };
  const start = await readStart(storage, key, req.signal);
  const layout = looksEncrypted(start) ? parseHeader(start) : null;
  const body = await openBackupPlaintext(storage, key, resolveKey, { signal: req.signal });
  let index: PlainIndex;
  try {
    index = await buildPlainIndexFromObject(key, body as AsyncIterable<Buffer>, layout ? { headerBytes: layout.bytes.length, chunkSize: layout.chunkSize } : null, storedSize);
  } finally {
    body.destroy();
  }
  throwIfAborted(req.signal, 'Indexing');
  await storage.putSmall(indexKeyFor(key), serializeIndex(index).text, { contentType: 'application/json', mode: existing.status === 'missing' ? 'create' : 'replace' });
  return { key, indexKey: indexKeyFor(key), created: true, tables: tablesOf(index), blocks: index.segments.length };
}

async function readStart(storage: BackupStorage, key: string, signal?: AbortSignal): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of (await storage.download(key, { offset: 0, length: MAX_HEADER_BYTES, signal })) as AsyncIterable<Buffer>) parts.push(p);
  return Buffer.concat(parts);
}
