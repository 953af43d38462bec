// `show`, `peek` and `index` for plain SQL backups (.sql.gz). A backup Lifeboat wrote in gzip
// members cut at COPY blocks has an index (plain-index.ts): show reads only it, peek one ranged read
// of the table's COPY block. Any other plain backup (one gzip member by pg_dump, an older Lifeboat's
// 1 MiB members) stays streaming-only: peek reads it from its start up to the table's rows.
import { createGunzip } from 'node:zlib';
import type { BackupContents, BackupTable } from '../../../shared/backup-contents.js';
import { indexKeyFor, parseBackupKey } from '../../../shared/backup-key.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import { openBackupPlaintext } from '../crypto/backup-decryption.js';
import type { KeyResolver } from '../crypto/decrypt-stream.js';
import { SegmentRecorder, type PlainSegment } from '../compress/plain-members.js';
import { PlainSqlSegmenter } from '../compress/plain-sql-segments.js';
import { LifeboatError } from '../errors.js';
import type { BackupStorage } from '../storage/storage.js';
import { objectsOf, schemasOf } from './contents-of.js';
import { decodeCopyLine } from './copy-text.js';
import { columnsOfCopyStatement } from './custom-format.js';
import type { EncryptionLayout } from './index-file.js';
import { buildPlainIndex, findCopySegment, parsePlainIndexText, type PlainIndex, type PlainIndexRead } from './plain-index.js';
import { CopySegmentCheck, memberTexts, PlainIndexMismatch, segmentBytes } from './plain-segment-read.js';

/** The plain backup's index sidecar, validated; missing, damaged or newer-format otherwise. */
export async function readPlainIndex(storage: BackupStorage, key: string): Promise<PlainIndexRead> {
  const text = await storage.getSmall(indexKeyFor(key));
  if (text === null) return { status: 'missing' };
  return parsePlainIndexText(text, key);
}

const asEntries = (index: PlainIndex) => index.entries.map((e) => ({ desc: e.type, namespace: e.schema, tag: e.name }));

export function contentsFromPlainIndex(key: string, index: PlainIndex, manifest: BackupManifest | null): BackupContents {
  const tables: BackupTable[] = [];
  for (const s of index.segments) {
    if (s.kind !== 'copy') continue;
    tables.push({ schema: s.schema, name: s.name, rows: s.rows, storedBytes: s.stored.end - s.stored.offset, rawBytes: s.rawBytes, fingerprint: s.fingerprint });
  }
  const entries = asEntries(index);
  return { key, database: manifest?.database ?? null, format: 'plain', indexed: true, schemas: schemasOf(entries), tables, objects: objectsOf(entries) };
}

export interface PlainPeek {
  schema: string;
  table: string;
  columns: string[];
  rows: (string | null)[][];
  truncated: boolean;
}

function peekOf(target: { schema: string; name: string; copyStmt: string }, lines: string[], limit: number): PlainPeek {
  return { schema: target.schema, table: target.name, columns: columnsOfCopyStatement(target.copyStmt), rows: lines.slice(0, limit).map(decodeCopyLine), truncated: lines.length > limit };
}

/**
 * The first rows of a table through the index: its COPY block's members, in growing ranged reads
 * until `limit` + 1 rows are in. Null when the index has no such table. Throws PlainIndexMismatch
 * when the bytes are not what the index promised.
 */
export async function peekPlainViaIndex(storage: BackupStorage, key: string, index: PlainIndex, table: string, limit: number, resolveKey: KeyResolver, signal?: AbortSignal): Promise<PlainPeek | null> {
  const seg = findCopySegment(index, table);
  if (!seg) return null;
  const check = new CopySegmentCheck(seg, limit + 1);
  const bytes = segmentBytes(storage, key, index, seg, resolveKey, signal, true);
  let whole = true;
  for await (const m of memberTexts(bytes, seg.archive.offset)) {
    check.push(m.text);
    if (check.stats.rows > limit) {
      whole = false;
      break;
    }
  }
  if (whole) check.done();
  return peekOf(seg, check.stats.kept, limit);
}

/** Which COPY block a table name means, from the manifest's tables when there are any (a bare name only one schema has). */
function matcher(table: string, manifest: BackupManifest | null): (t: { schema: string; name: string }) => boolean {
  const known = manifest?.tables ?? [];
  const exact = known.find((t) => `${t.schema}.${t.name}` === table);
  const byName = known.filter((t) => t.name === table);
  const chosen = exact ?? (byName.length === 1 ? byName[0] : undefined);
  if (chosen) return (t) => t.schema === chosen.schema && t.name === chosen.name;
  return (t) => `${t.schema}.${t.name}` === table || t.name === table;
}

/** The first rows of a table by reading the backup from its start (any plain backup). Null when no COPY block is the table's. */
export async function peekPlainByStreaming(storage: BackupStorage, key: string, table: string, limit: number, manifest: BackupManifest | null, resolveKey: KeyResolver, signal?: AbortSignal): Promise<PlainPeek | null> {
  const wanted = matcher(table, manifest);
  // Set from the segmenter's callbacks (hence not narrowed here).
  let found = null as { schema: string; name: string; copyStmt: string } | null;
  let rows = null as string[] | null;
  const segmenter = new PlainSqlSegmenter(
    {
      onSegment: (start) => {
        if (start.kind === 'copy' && !found && wanted(start)) found = start;
      },
      onBytes: () => undefined,
      onCopyEnd: (stats) => {
        if (found && !rows) rows = stats.kept;
      },
    },
    (t) => (wanted(t) ? limit + 1 : 0),
  );
  const body = await openBackupPlaintext(storage, key, resolveKey, { signal });
  // A bare .sql (imported) is read as it is.
  const text = parseBackupKey(key)?.gzip === false && key.endsWith('.sql') ? body : body.pipe(createGunzip());
  if (text !== body) body.on('error', (e) => text.destroy(e));
  try {
    for await (const chunk of text as AsyncIterable<Buffer>) {
      segmenter.push(chunk);
      const open = segmenter.copyStats;
      if (found && !rows && open && open.rows > limit) rows = open.kept;
      if (rows) break;
    }
  } finally {
    body.destroy();
    text.destroy();
  }
  return found ? peekOf(found, rows ?? [], limit) : null;
}

/**
 * `lifeboat index` for a plain backup: walks its gzip members (each declares its length) and its
 * SQL once, and builds the index — when every COPY block and the text between start members of
 * their own. Throws BAD_INPUT, in one sentence, for plain backups that others wrote.
 */
export async function buildPlainIndexFromObject(key: string, gz: AsyncIterable<Buffer>, enc: EncryptionLayout | null, storedBytes: number): Promise<PlainIndex> {
  const streamingOnly = (why: string): LifeboatError =>
    new LifeboatError('BAD_INPUT', `Backup ${key} is plain SQL whose gzip members are not cut at its COPY blocks (${why}): it was written by pg_dump or another tool, or by a Lifeboat older than plain indexes, so it stays streaming-only (show lists its manifest's tables, peek and extract read it from its start); a new backup of the database is indexed.`);
  const starts = new Map<number, number>();
  const recorder = new SegmentRecorder();
  const segmenter = new PlainSqlSegmenter(recorder);
  let gzEnd = 0;
  try {
    for await (const m of memberTexts(gz, 0)) {
      if (!starts.has(recorder.textAt)) starts.set(recorder.textAt, m.at);
      gzEnd = m.at + m.length;
      segmenter.push(m.text);
    }
    segmenter.end();
  } catch (e) {
    if (e instanceof PlainIndexMismatch) throw streamingOnly(e.message);
    throw new LifeboatError('ARCHIVE_UNREADABLE', `Backup ${key} cannot be read as plain SQL: ${(e as Error).message}.`);
  }
  const segments = recorder.segments;
  for (const s of segments) {
    const at = starts.get(s.text.offset);
    if (at === undefined) throw streamingOnly(`a ${s.kind === 'copy' ? 'COPY block' : 'text segment'} starts inside a member`);
    s.archive.offset = at;
  }
  for (let i = 0; i < segments.length; i++) (segments[i] as PlainSegment).archive.end = segments[i + 1]?.archive.offset ?? gzEnd;
  if (segments.length === 0) segments.push({ kind: 'text', extract: true, archive: { offset: 0, end: gzEnd }, text: { offset: 0, end: 0 } });
  const layout = { segments, entries: segmenter.entries, bytes: gzEnd, textBytes: recorder.textAt, dumpedFrom: segmenter.dumpedFrom, dumpedBy: segmenter.dumpedBy };
  return buildPlainIndex(key, layout, enc, storedBytes);
}
