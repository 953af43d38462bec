// Selective restore and extract of an indexed backup read only what they need: the archive's
// header and table of contents, then the data blocks of the entries pg_restore will restore, each
// with one ranged request (docs/index-format.md). They go into a sparse local file at their
// original archive offsets, and the chosen entries' offset fields in the TOC are patched from "not
// set" (an archive written to a pipe) to "set" + the offset: the same number of bytes, so nothing
// shifts, and pg_restore (pg_backup_custom.c, _PrintTocData) seeks straight to each block and never
// reads the holes. The alternative — header + TOC followed by the chosen blocks packed in archive
// order, for pg_restore's sequential scan — would need every TOC offset rewritten for the new
// positions and an entry left out of the file would make pg_restore scan into the next one; the
// sparse file keeps every byte pg_restore reads identical to the archive's.
//
// The index is untrusted: every block must parse, from its offset, as exactly one block of the
// promised type and dump id ending at the promised end; the header and TOC must say exactly what the
// index says (the index itself is the one whose SHA-256 the manifest holds); encrypted chunks
// authenticate at the index their position implies. Anything else is an
// IndexMismatch, and the caller downloads the whole backup instead (scratch-file.ts): a wrong
// index costs time, never gives wrong data.
import { createHash } from 'node:crypto';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { indexKeyFor } from '../../../shared/backup-key.js';
import { formatBytes } from '../../../shared/progress.js';
import { ByteReader } from '../archive/byte-reader.js';
import { ArchiveInts, BLK_BLOBS, BLK_DATA, readArchiveHead, readBlockStart, readChunks, readToc, skipBlobs, type TocEntry } from '../archive/custom-format.js';
import { parseIndexText, storedRange, type ArchiveIndex, type IndexBlock, type IndexEntry } from '../archive/index-file.js';
import { archiveRange } from '../archive/ranged-block.js';
import { LifeboatError, cancelledError } from '../errors.js';
import type { KeyResolver } from '../crypto/decrypt-stream.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import type { BackupStorage } from '../storage/storage.js';
import type { BackupSource } from './backup-source.js';
import { ensureFreeSpace, scratchDir, scratchName, type ScratchFile } from './scratch-file.js';

/** pg_dump's K_OFFSET_POS_SET: the entry's data is at the offset that follows. */
const OFFSET_SET = 2;
/** K_OFFSET_NO_DATA: the entry has no data block. */
const OFFSET_NO_DATA = 3;

/** Errors the full download would meet too: no key, no keychain, no space, a cancel. */
const STOPS_RANGED_AND_FULL = /^(ENCRYPTION_KEY_|KEYCHAIN_|NOT_ENOUGH_SPACE$|CANCELLED$)/;

/** How a restore read the backup: through its index (ranged reads) or the whole object. */
export interface BackupRead {
  via: 'index' | 'stream';
  /** Bytes downloaded from storage. */
  bytes: number;
  /** Size of the stored object. */
  storedBytes: number;
  /** Why the index was not used, when there was one. */
  note?: string;
}

/** "read 1.2 MiB of 310 MiB (through its archive index)": for the CLI and the activity log. */
export function describeBackupRead(read: BackupRead): string {
  // A parallel restore reads every block by range, then the whole object once more for its SHA-256.
  if (read.bytes > read.storedBytes) return `read ${formatBytes(read.bytes)} for the ${formatBytes(read.storedBytes)} backup (its blocks through its archive index, and the whole object once more for its SHA-256)`;
  return `read ${formatBytes(read.bytes)} of ${formatBytes(read.storedBytes)} of the backup (${read.via === 'index' ? 'through its archive index' : 'the whole object'})`;
}

/** The index proved wrong (or unusable) for this backup: read the whole object instead. */
export class IndexMismatch extends Error {}

/** A local copy holding the header and TOC; `fetchData` adds the data blocks of the chosen entries. */
export interface RangedCopy extends ScratchFile {
  fetchData(dumpIds: readonly number[]): Promise<void>;
  /** Bytes downloaded so far. */
  readonly bytesRead: number;
}

/**
 * The text of the backup's index sidecar when a restore may consider it: present and the one the
 * manifest names (by SHA-256). Null and why otherwise (null reason: no index at all).
 */
export async function namedIndexText(source: BackupSource): Promise<{ text: string | null; note: string | null }> {
  const text = await source.storage.getSmall(indexKeyFor(source.key)).catch(() => null);
  if (text === null) return { text: null, note: null };
  const named = source.manifest?.index;
  if (named && (Buffer.byteLength(text) !== named.sizeBytes || createHash('sha256').update(text).digest('hex') !== named.sha256)) {
    return { text: null, note: 'its archive index is not the one its manifest names' };
  }
  return { text, note: null };
}

/** Why an index that describes an object of `storedBytes`, encrypted or not, is not this backup's; null when it fits. */
export function indexObjectProblem(source: BackupSource, storedBytes: number, encrypted: boolean): string | null {
  if (storedBytes !== source.sizeBytes) return `its archive index describes an object of ${storedBytes} bytes, not ${source.sizeBytes}`;
  if (encrypted !== Boolean(source.encryption || source.parsed.encrypted)) return 'its archive index describes another encryption';
  return null;
}

/**
 * The backup's index when a restore may trust it for ranged reads: present, valid for this key,
 * the one the manifest names (by SHA-256), describing an object of this size and encryption.
 * Otherwise null and why (null reason: no index at all, nothing to say).
 */
export async function usableIndex(source: BackupSource): Promise<{ index: ArchiveIndex | null; note: string | null }> {
  if (source.parsed.format !== 'custom') return { index: null, note: null };
  const { text, note } = await namedIndexText(source);
  if (text === null) return { index: null, note };
  const read = parseIndexText(text, source.key);
  if (read.status !== 'ok') return { index: null, note: read.status === 'missing' ? null : read.problem };
  const problem = indexObjectProblem(source, read.index.storedBytes, read.index.encryption !== null);
  return problem ? { index: null, note: problem } : { index: read.index, note: null };
}

/** Counts the bytes each download gives, whatever reads them. */
export function countingStorage(storage: BackupStorage, onBytes: (n: number) => void): BackupStorage {
  return new Proxy(storage, {
    get(target, prop, receiver) {
      if (prop !== 'download') return Reflect.get(target, prop, receiver) as unknown;
      return async (key: string, opts?: Parameters<BackupStorage['download']>[1]): Promise<Readable> => {
        const body = await target.download(key, opts);
        body.on('data', (b: Buffer) => onBytes(b.length));
        return body;
      };
    },
  });
}

async function readAll(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of source) parts.push(p);
  return Buffer.concat(parts);
}

/** The offset field pg_restore reads: state byte, then the offset in offSize little-endian bytes. */
export function offsetField(offset: number, offSize: number): Buffer {
  const b = Buffer.alloc(1 + offSize);
  b[0] = OFFSET_SET;
  let rest = offset;
  for (let i = 0; i < offSize; i++) {
    b[1 + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  if (rest !== 0) throw new IndexMismatch(`offset ${offset} does not fit the archive's ${offSize}-byte offsets`);
  return b;
}

function sameEntry(e: TocEntry, x: IndexEntry | undefined): boolean {
  return (
    x !== undefined && e.dumpId === x.dumpId && e.desc === x.desc && e.tag === x.tag && e.namespace === x.namespace && e.owner === x.owner &&
    e.section === x.section && e.defn === x.defn && e.copyStmt === x.copyStmt && e.hadDumper === x.hadDumper &&
    e.dependencies.length === x.dependencies.length && e.dependencies.every((d, i) => d === x.dependencies[i])
  );
}

/** Parses the header + TOC bytes and checks they are the archive the index describes. */
export async function checkedToc(bytes: Buffer, index: ArchiveIndex): Promise<Map<number, TocEntry>> {
  const r = new ByteReader(Readable.from([bytes]));
  const { head, ints } = await readArchiveHead(r);
  const toc = await readToc(head, ints);
  const a = index.archive;
  if (head.bytes !== a.headBytes || r.position !== a.tocEnd || head.intSize !== a.intSize || head.offSize !== a.offSize || head.compression !== a.compression) {
    throw new IndexMismatch('its header and table of contents are not the ones the index describes');
  }
  // The index is the one the manifest names (by SHA-256): the TOC read must say exactly what it says.
  if (toc.length !== index.entries.length || toc.some((e, i) => !sameEntry(e, index.entries[i]))) {
    throw new IndexMismatch('its table of contents is not the one the index describes');
  }
  return new Map(toc.map((e) => [e.dumpId, e]));
}

/** The header and table of contents (archive bytes [0, tocEnd)), read with ranged requests and checked against the index. */
export async function readCheckedHead(storage: BackupStorage, key: string, index: ArchiveIndex, resolveKey: KeyResolver, signal?: AbortSignal): Promise<{ head: Buffer; entries: Map<number, TocEntry> }> {
  const a = index.archive;
  const range = { archive: { offset: 0, end: a.tocEnd }, stored: storedRange(0, a.tocEnd, index.encryption, a.bytes) };
  const head = await readAll(archiveRange(storage, key, index, range, resolveKey, signal));
  return { head, entries: await checkedToc(head, index) };
}

/**
 * Reads one block while checking, as it passes, that it is exactly the block the index promised:
 * type and dump id at its start, chunks that end at its end. Each piece goes to `onPiece` (at its
 * archive offset) before the parser reads it, so a piece is handed on only once the ones before it
 * parsed; the caller learns of a wrong block when this rejects.
 */
export async function readCheckedBlock(
  bytes: AsyncIterable<Buffer>,
  block: IndexBlock,
  ints: { intSize: number; offSize: number },
  onPiece: (piece: Buffer, at: number) => Promise<void>,
): Promise<void> {
  let at = block.archive.offset;
  const tee = async function* (): AsyncGenerator<Buffer> {
    for await (const piece of bytes) {
      await onPiece(piece, at);
      at += piece.length;
      yield piece;
    }
  };
  const r = new ByteReader(tee(), block.archive.offset);
  const reader = new ArchiveInts(r, ints.intSize, ints.offSize);
  const start = await readBlockStart(r, reader);
  if (start.type !== block.type || start.dumpId !== block.dumpId) throw new IndexMismatch(`the block at byte ${block.archive.offset} has dump id ${start.dumpId}, not ${block.dumpId}`);
  if (start.type === BLK_BLOBS) await skipBlobs(r, reader);
  else if (start.type === BLK_DATA) await readChunks(r, reader, () => true);
  if (r.position !== block.archive.end || !(await r.atEnd())) throw new IndexMismatch(`block ${block.dumpId} does not end at byte ${block.archive.end}`);
}

export interface RangedDownloadOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  onBytes?: (n: number) => void;
  what?: string;
}

/**
 * What every ranged download into a scratch file starts with: the backup's key at hand (or its
 * absence reported), the scratch folder made, and a storage whose downloads are counted.
 */
export async function startRangedDownload(source: BackupSource, opts: RangedDownloadOptions): Promise<{ dir: string; storage: BackupStorage; resolveKey: KeyResolver; read: { bytes: number } }> {
  if (source.encryption?.unavailable) throw source.encryption.unavailable;
  const dir = scratchDir(opts.env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const read = { bytes: 0 };
  const storage = countingStorage(source.storage, (n) => {
    read.bytes += n;
    opts.onBytes?.(n);
  });
  return { dir, storage, resolveKey: keychainKeyResolver(opts.env), read };
}

/** Copies one checked block into the file at its archive offset. */
async function copyBlock(file: FileHandle, bytes: AsyncIterable<Buffer>, block: IndexBlock, ints: { intSize: number; offSize: number }): Promise<void> {
  await readCheckedBlock(bytes, block, ints, async (piece, at) => void (await file.write(piece, 0, piece.length, at)));
}

/**
 * What a failed ranged read means: errors the full download would meet too (no key, no space, a
 * cancel) stop the restore; anything else — a block that does not parse, a chunk that does not
 * authenticate at the place the index implies, a range the storage refuses — may be the index's
 * fault, so it becomes an IndexMismatch (or the plain index's own kind, `Mismatch`) and the whole
 * object, checked against the manifest, decides.
 */
export function rangedReadFailure(e: unknown, signal: AbortSignal | undefined, what: string | undefined, Mismatch: new (message: string) => Error = IndexMismatch): Error {
  if (signal?.aborted) return cancelledError(what ?? 'The restore');
  if (e instanceof Mismatch) return e;
  if (e instanceof LifeboatError && STOPS_RANGED_AND_FULL.test(e.code)) return e;
  return new Mismatch(e instanceof Error ? e.message : String(e));
}

/**
 * Downloads the header and table of contents of an indexed custom-format backup into a sparse
 * private file as long as the archive. Throws IndexMismatch when they are not what the index says.
 */
export async function downloadTocToScratch(
  source: BackupSource,
  index: ArchiveIndex,
  opts: RangedDownloadOptions,
): Promise<RangedCopy> {
  const { dir, storage, resolveKey, read } = await startRangedDownload(source, opts);
  const a = index.archive;
  const file = path.join(dir, scratchName('restore', '.dump'));
  const remove = async (): Promise<void> => rm(file, { force: true });
  const fail = async (e: unknown): Promise<never> => {
    await remove();
    throw rangedReadFailure(e, opts.signal, opts.what);
  };
  let fh: FileHandle | null = null;
  let entries: Map<number, TocEntry>;
  let head: Buffer;
  try {
    ({ head, entries } = await readCheckedHead(storage, source.key, index, resolveKey, opts.signal));
    const blocks = index.blocks.reduce((n, b) => n + (b.archive.end - b.archive.offset), 0);
    await ensureFreeSpace(dir, Math.min(a.bytes, a.tocEnd + blocks));
    fh = await open(file, 'wx', 0o600);
    await fh.write(head, 0, head.length, 0);
    // The holes read as zeros if anything ever went there: never a valid block.
    await fh.truncate(a.bytes);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    return fail(e);
  }
  const handle = fh;
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) await handle.close().catch(() => undefined);
    closed = true;
  };
  return {
    path: file,
    head: head.subarray(0, 64 * 1024),
    plainComplete: null,
    sha256: '',
    get bytesRead() {
      return read.bytes;
    },
    remove: async () => {
      await close();
      await remove();
    },
    async fetchData(dumpIds) {
      try {
        for (const id of new Set(dumpIds)) {
          const entry = entries.get(id);
          if (!entry) throw new IndexMismatch(`pg_restore listed entry ${id}, which the table of contents does not have`);
          if (entry.dataState === OFFSET_NO_DATA) continue;
          const block = index.blocks.find((b) => b.dumpId === id);
          if (!block) throw new IndexMismatch(`the index has no data block for entry ${id}`);
          await copyBlock(handle, archiveRange(storage, source.key, index, block, resolveKey, opts.signal), block, a);
          await handle.write(offsetField(block.archive.offset, a.offSize), 0, 1 + a.offSize, entry.offsetAt);
        }
        await close();
      } catch (e) {
        await close();
        return fail(e);
      }
    },
  };
}
