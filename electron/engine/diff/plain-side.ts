// A plain SQL backup as one side of a comparison: its tables' counts and fingerprints and its
// definitions from its index (a small read) when it has a valid one, else from one pass over its
// SQL; one table's rows through the index (its COPY block's members only) or from the stream.
import type { Readable } from 'node:stream';
import type { BackupTable } from '../../../shared/backup-contents.js';
import { decodeCopyLine, FINGERPRINT_KIND } from '../archive/copy-text.js';
import { columnsOfCopyStatement } from '../archive/custom-format.js';
import { readPlainIndex } from '../archive/plain-browse.js';
import type { PlainIndex } from '../archive/plain-index.js';
import { CopySegmentCheck, memberTexts, segmentBytes } from '../archive/plain-segment-read.js';
import { SegmentRecorder, type PlainSegment } from '../compress/plain-members.js';
import { PlainSqlSegmenter, type PlainEntry } from '../compress/plain-sql-segments.js';
import { LifeboatError } from '../errors.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import type { BackupSource } from '../restore/backup-source.js';
import { describeStreamError, openBackupStream } from '../restore/backup-stream.js';
import type { QualifiedName } from '../restore/toc-selection.js';
import type { DiffSide } from './compare-contents.js';
import type { RowStream, TextRow } from './row-diff.js';

type Copy = Extract<PlainSegment, { kind: 'copy' }> | Extract<PlainIndex['segments'][number], { kind: 'copy' }>;

function sideOf(key: string, segments: readonly (PlainSegment | PlainIndex['segments'][number])[], entries: readonly PlainEntry[]): DiffSide {
  const tables: BackupTable[] = segments
    .filter((s): s is Copy => s.kind === 'copy')
    .map((s) => ({ schema: s.schema, name: s.name, rows: s.rows ?? null, storedBytes: 'stored' in s ? s.stored.end - s.stored.offset : null, rawBytes: s.rawBytes ?? null, fingerprint: s.fingerprint ?? null }));
  const definitions = entries.filter((e) => e.type !== 'TABLE DATA').map((e) => ({ kind: e.type, schema: e.schema, name: e.name, defn: e.defn ?? '' }));
  // Plain indexes came after the MurmurHash3 fingerprints: an index or a pass over the SQL gives that kind.
  return { label: key, tables, definitions, fingerprints: FINGERPRINT_KIND };
}

async function indexOf(source: BackupSource): Promise<PlainIndex | null> {
  const read = await readPlainIndex(source.storage, source.key);
  return read.status === 'ok' ? read.index : null;
}

/** The backup's SQL text, decrypted and gunzipped, as it streams. */
async function sqlText(source: BackupSource, signal: AbortSignal | undefined): Promise<Readable> {
  const opened = await openBackupStream(source, { gunzip: source.parsed.gzip, signal });
  return opened.stream;
}

/** Tables and definitions of a plain backup: from its index, else by reading its SQL once. */
export async function readPlainSide(source: BackupSource, signal: AbortSignal | undefined): Promise<DiffSide> {
  const index = await indexOf(source);
  if (index) return sideOf(source.key, index.segments, index.entries);
  const recorder = new SegmentRecorder();
  const segmenter = new PlainSqlSegmenter(recorder);
  try {
    for await (const chunk of (await sqlText(source, signal)) as AsyncIterable<Buffer>) segmenter.push(chunk);
    segmenter.end();
  } catch (e) {
    throw e instanceof LifeboatError ? e : describeStreamError(e, source.key);
  }
  return sideOf(source.key, recorder.segments, segmenter.entries);
}

/**
 * One table's rows in a plain backup. Through the index, only its COPY block's members are read,
 * and they must start with the promised COPY line; a wrong index found before any row went out
 * falls back to the stream, after that the comparison fails (it is never silently wrong).
 */
export async function openPlainRows(source: BackupSource, table: QualifiedName, signal: AbortSignal | undefined, env: NodeJS.ProcessEnv): Promise<RowStream> {
  const what = `${table.schema}.${table.name} in backup ${source.key}`;
  const index = await indexOf(source);
  const seg = index?.segments.find((s): s is Extract<PlainIndex['segments'][number], { kind: 'copy' }> => s.kind === 'copy' && s.schema === table.schema && s.name === table.name);
  if (index && seg) {
    const viaIndex = async (onRow: (row: TextRow) => void): Promise<boolean> => {
      let handed = false;
      const check = new CopySegmentCheck(seg, 0, (line) => {
        handed = true;
        onRow(decodeCopyLine(line.toString('utf8')));
      });
      try {
        for await (const m of memberTexts(segmentBytes(source.storage, source.key, index, seg, keychainKeyResolver(env), signal), seg.archive.offset)) check.push(m.text);
        check.done();
        return true;
      } catch (e) {
        if (handed || e instanceof LifeboatError || signal?.aborted) throw e;
        return false;
      }
    };
    const each = async (onRow: (row: TextRow) => void): Promise<void> => {
      if (!(await viaIndex(onRow))) await streamRows(source, table, signal, what, onRow);
    };
    return { columns: columnsOfCopyStatement(seg.copyStmt), each };
  }
  // Without an index the columns come from the COPY line, found by reading up to it.
  let columns = null as string[] | null;
  await streamRows(source, table, signal, what, () => undefined, (copyStmt) => {
    columns = columnsOfCopyStatement(copyStmt);
    return false;
  });
  if (columns === null) throw new LifeboatError('NOT_FOUND', `There is no table ${table.schema}.${table.name} in backup ${source.key}.`, { hint: { kind: 'choose-table' } });
  return { columns, each: (onRow) => streamRows(source, table, signal, what, onRow) };
}

/** Reads the backup's SQL up to the end of the table's COPY block, handing on its rows. `onStart` may stop it at the COPY line. */
async function streamRows(source: BackupSource, table: QualifiedName, signal: AbortSignal | undefined, what: string, onRow: (row: TextRow) => void, onStart?: (copyStmt: string) => boolean): Promise<void> {
  let state = 'before' as 'before' | 'in' | 'done';
  const isIt = (t: { schema: string; name: string }): boolean => t.schema === table.schema && t.name === table.name;
  const segmenter = new PlainSqlSegmenter(
    {
      onSegment: (start) => {
        if (start.kind === 'copy' && state === 'before' && isIt(start)) state = onStart && !onStart(start.copyStmt) ? 'done' : 'in';
      },
      onBytes: () => undefined,
      onCopyEnd: () => {
        if (state === 'in') state = 'done';
      },
    },
    () => 0,
    (t, line) => {
      if (state === 'in' && isIt(t)) onRow(decodeCopyLine(line.toString('utf8')));
    },
  );
  const text = await sqlText(source, signal);
  try {
    for await (const chunk of text as AsyncIterable<Buffer>) {
      segmenter.push(chunk);
      if (state === 'done') break;
    }
    if (state === 'before') segmenter.end();
  } catch (e) {
    throw e instanceof LifeboatError ? e : describeStreamError(e, source.key);
  } finally {
    text.destroy();
  }
  if (state === 'in') throw new LifeboatError('INTEGRITY_FAILED', `The data of ${what} ends in the middle of its COPY block; the backup is damaged.`);
}
