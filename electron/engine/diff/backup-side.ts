// A stored backup as one side of a comparison: its tables' counts and fingerprints and its table of
// contents, and one table's rows, read with the archive reader (electron/engine/archive/); a plain
// SQL backup's through plain-side.ts.
import { ByteReader } from '../archive/byte-reader.js';
import { BlockDecoder } from '../archive/block-decoder.js';
import { decodeCopyLine, FINGERPRINT_KIND, type FingerprintKind } from '../archive/copy-text.js';
import { ArchiveInts, BLK_BLOBS, BLK_DATA, columnsOfCopyStatement, readArchiveHead, readBlockStart, readChunks, readToc, skipBlobs, type ArchiveCompression } from '../archive/custom-format.js';
import { readArchiveIndex } from '../archive/browse.js';
import type { ArchiveIndex } from '../archive/index-file.js';
import { readBlockBytes } from '../archive/ranged-block.js';
import { scanArchive, type ArchiveScan } from '../archive/scan-archive.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import type { BackupTable } from '../../../shared/backup-contents.js';
import { LifeboatError } from '../errors.js';
import { resolveBackup, type BackupSource } from '../restore/backup-source.js';
import { describeStreamError, openBackupStream } from '../restore/backup-stream.js';
import type { QualifiedName } from '../restore/toc-selection.js';
import type { StorageTarget } from '../storage/target.js';
import type { DiffSide, TocDefinition } from './compare-contents.js';
import { openPlainRows, readPlainSide } from './plain-side.js';
import type { OpenRows, TextRow } from './row-diff.js';

export interface BackupSideOptions {
  to: string | StorageTarget | undefined;
  /** The profile's copy destinations, tried in order when `to` cannot give the backup. */
  copies?: StorageTarget[] | undefined;
  /** Told one sentence when a copy is read instead of `to` (the CLI prints it on stderr). */
  onSourceNote?: ((sentence: string) => void) | undefined;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

/** The backup (from the first readable copy when `to` cannot give it), and whether it is plain SQL (plain-side.ts reads those). */
async function openSide(key: string, opts: BackupSideOptions): Promise<{ source: BackupSource; plain: boolean }> {
  const source = await resolveBackup({ to: opts.to, key, copies: opts.copies, onSourceNote: opts.onSourceNote }, opts.env);
  return { source, plain: source.parsed.format === 'plain' };
}

async function archiveBytes(source: BackupSource, signal: AbortSignal | undefined): Promise<AsyncIterable<Buffer>> {
  const opened = await openBackupStream(source, { gunzip: false, signal });
  return opened.stream as AsyncIterable<Buffer>;
}

/** The backup's index sidecar when it has a valid one (it is untrusted: parseIndexText validates it). */
async function indexOf(source: BackupSource): Promise<ArchiveIndex | null> {
  const read = await readArchiveIndex(source.storage, source.key);
  return read.status === 'ok' ? read.index : null;
}

type Entries = readonly { dumpId: number; desc: string | null; namespace: string | null; tag: string | null; defn: string | null }[];
type Blocks = readonly { dumpId: number; rows: number | null; rawBytes: number | null; fingerprint: string | null; stored?: { offset: number; end: number }; offset?: number; end?: number }[];

function sideOf(key: string, entries: Entries, blockList: Blocks, fingerprints: FingerprintKind): DiffSide {
  const blocks = new Map(blockList.map((b) => [b.dumpId, b]));
  const tables: BackupTable[] = [];
  const definitions: TocDefinition[] = [];
  for (const e of entries) {
    if (e.desc === 'TABLE DATA') {
      const b = blocks.get(e.dumpId);
      const stored = b?.stored ? b.stored.end - b.stored.offset : b?.end !== undefined && b.offset !== undefined ? b.end - b.offset : null;
      tables.push({ schema: e.namespace ?? '', name: e.tag ?? '', rows: b?.rows ?? null, storedBytes: stored, rawBytes: b?.rawBytes ?? null, fingerprint: b?.fingerprint ?? null });
    } else if (e.desc) {
      definitions.push({ kind: e.desc, schema: e.namespace, name: e.tag ?? '', defn: e.defn ?? '' });
    }
  }
  return { label: key, tables, definitions, fingerprints };
}

/**
 * Tables (counts, fingerprints) and definitions of a backup: from its index sidecar when it has a
 * valid one (a small read, whatever the archive's size), else by reading the archive once.
 */
export async function readBackupSide(key: string, opts: BackupSideOptions): Promise<DiffSide> {
  const { source, plain } = await openSide(key, opts);
  if (plain) return readPlainSide(source, opts.signal);
  const index = await indexOf(source);
  if (index) return sideOf(key, index.entries, index.blocks, index.fingerprints ?? 'sha256');
  let scan: ArchiveScan;
  try {
    scan = await scanArchive(await archiveBytes(source, opts.signal));
  } catch (e) {
    throw e instanceof LifeboatError ? e : describeStreamError(e, key);
  }
  return sideOf(key, scan.toc, scan.blocks, FINGERPRINT_KIND);
}

/**
 * Splits decoded COPY text into rows as it arrives (a row may span chunks), up to pg_dump's "\."
 * end marker. It runs inside the decompressor's events, so a failing row handler is recorded (and
 * stops the splitting) rather than thrown there; the reading loop rethrows it.
 */
class RowSplitter {
  private partial: Buffer[] = [];
  ended = false;
  failure: Error | null = null;
  constructor(private readonly onRow: (row: TextRow) => void) {}
  push(text: Buffer): void {
    if (this.ended) return;
    let start = 0;
    for (let nl = text.indexOf(0x0a, start); nl >= 0; nl = text.indexOf(0x0a, start)) {
      let line = text.subarray(start, nl);
      if (this.partial.length > 0) {
        line = Buffer.concat([...this.partial, line]);
        this.partial = [];
      }
      start = nl + 1;
      const s = line.toString('utf8');
      if (s === '\\.') {
        this.ended = true;
        return;
      }
      try {
        this.onRow(decodeCopyLine(s));
      } catch (e) {
        this.failure = e instanceof Error ? e : new Error(String(e));
        this.ended = true;
        return;
      }
    }
    if (start < text.length) this.partial.push(Buffer.from(text.subarray(start)));
  }
  /** True when the text ended inside a row (a damaged block). */
  get cutOff(): boolean {
    return !this.ended && this.partial.length > 0;
  }
}

/** Decodes one data block's chunks (the reader is just past its start) into rows for `onRow`. */
async function blockRows(r: ByteReader, ints: ArchiveInts, compression: ArchiveCompression, onRow: (row: TextRow) => void, what: string): Promise<void> {
  const splitter = new RowSplitter(onRow);
  const decoder = new BlockDecoder(compression, (text) => splitter.push(text));
  try {
    const whole = await readChunks(r, ints, async (bytes) => {
      await decoder.write(bytes);
      return splitter.failure === null;
    });
    if (whole) await decoder.end();
  } finally {
    decoder.destroy();
  }
  if (splitter.failure !== null) throw splitter.failure;
  if (splitter.cutOff) throw new LifeboatError('INTEGRITY_FAILED', `The data of ${what} ends in the middle of a row; the backup is damaged.`);
}

function unreadable(compression: string, key: string): LifeboatError {
  return new LifeboatError('BAD_INPUT', `Backup ${key} is compressed with ${compression}, which Lifeboat cannot read row by row yet; it can still be compared table by table.`);
}

/**
 * One table's rows in a backup. With a valid index, only the table's data block is downloaded
 * (ranged reads; whole chunks of an encrypted backup) and must start with the dump id the index
 * promised; without one — or when the index proves wrong before any row was handed on — the archive
 * is read from its start, other tables' blocks passed over. The block is decompressed and parsed as it streams.
 */
export function backupRows(key: string, table: QualifiedName, opts: BackupSideOptions): OpenRows {
  const what = `${table.schema}.${table.name} in backup ${key}`;
  return async () => {
    const { source, plain } = await openSide(key, opts);
    if (plain) return openPlainRows(source, table, opts.signal, opts.env);
    const index = await indexOf(source);
    const indexed = index?.entries.find((e) => e.desc === 'TABLE DATA' && e.namespace === table.schema && e.tag === table.name);
    const block = indexed && index ? index.blocks.find((b) => b.dumpId === indexed.dumpId && b.type === BLK_DATA) : undefined;
    if (index && indexed && block) {
      if (index.archive.compression !== 'none' && index.archive.compression !== 'gzip') throw unreadable(index.archive.compression, key);
      const viaIndex = async (onRow: (row: TextRow) => void): Promise<boolean> => {
        let handed = false;
        const r = new ByteReader(readBlockBytes(source.storage, key, index, block, keychainKeyResolver(opts.env), opts.signal), block.archive.offset);
        try {
          const ints = new ArchiveInts(r, index.archive.intSize, index.archive.offSize);
          const start = await readBlockStart(r, ints);
          if (start.type !== BLK_DATA || start.dumpId !== indexed.dumpId) return false;
          await blockRows(r, ints, index.archive.compression, (row) => {
            handed = true;
            onRow(row);
          }, what);
          return true;
        } catch (e) {
          // A wrong offset found before any row went out falls back to the stream; after, it fails.
          if (handed || e instanceof LifeboatError || opts.signal?.aborted) throw e;
          return false;
        } finally {
          await r.close();
        }
      };
      const each = async (onRow: (row: TextRow) => void): Promise<void> => {
        if (!(await viaIndex(onRow))) await (await streamRows(source, key, table, opts)).each(onRow);
      };
      return { columns: columnsOfCopyStatement(indexed.copyStmt), each };
    }
    return streamRows(source, key, table, opts);
  };
}

async function streamRows(source: BackupSource, key: string, table: QualifiedName, opts: BackupSideOptions): Promise<{ columns: string[]; each: (onRow: (row: TextRow) => void) => Promise<void> }> {
  const what = `${table.schema}.${table.name} in backup ${key}`;
  const r = new ByteReader(await archiveBytes(source, opts.signal));
  const { head, ints } = await readArchiveHead(r);
  const toc = await readToc(head, ints);
  const entry = toc.find((e) => e.desc === 'TABLE DATA' && e.namespace === table.schema && e.tag === table.name);
  if (!entry) {
    await r.close();
    throw new LifeboatError('NOT_FOUND', `There is no table ${table.schema}.${table.name} in backup ${key}.`, { hint: { kind: 'choose-table' } });
  }
  if (head.compression !== 'none' && head.compression !== 'gzip') {
    await r.close();
    throw unreadable(head.compression, key);
  }
  const each = async (onRow: (row: TextRow) => void): Promise<void> => {
    try {
      while (!(await r.atEnd())) {
        const { type, dumpId } = await readBlockStart(r, ints);
        if (type === BLK_BLOBS) await skipBlobs(r, ints);
        else if (dumpId !== entry.dumpId) await readChunks(r, ints, () => true);
        else return await blockRows(r, ints, head.compression, onRow, what);
      }
    } catch (e) {
      throw e instanceof LifeboatError ? e : describeStreamError(e, key);
    } finally {
      await r.close();
    }
  };
  return { columns: columnsOfCopyStatement(entry.copyStmt), each };
}

/** A backup's definitions (its table of contents): from the index when valid, else the archive's start only. */
export async function readBackupToc(key: string, opts: BackupSideOptions): Promise<readonly TocDefinition[]> {
  const { source, plain } = await openSide(key, opts);
  if (plain) return (await readPlainSide(source, opts.signal)).definitions;
  const index = await indexOf(source);
  if (index) return sideOf(key, index.entries, index.blocks, index.fingerprints ?? 'sha256').definitions;
  const r = new ByteReader(await archiveBytes(source, opts.signal));
  try {
    const { head, ints } = await readArchiveHead(r);
    const toc = await readToc(head, ints);
    return sideOf(key, toc, [], FINGERPRINT_KIND).definitions;
  } finally {
    await r.close();
  }
}
