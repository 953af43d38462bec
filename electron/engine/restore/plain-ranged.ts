// Extract from an indexed plain SQL backup reads only what it restores: the text segments a
// partial recovery needs (definitions, sequence values; not other tables' data, indexes,
// constraints, ACLs — as extractTocEntries chooses for archives) and the chosen tables' COPY
// blocks, each with one ranged request. Their gzip members, concatenated in the backup's order,
// are themselves a valid .sql.gz: the local copy the restore runs exactly as it runs a whole plain
// backup (psql restricted with Lifeboat's own key; content from storage never runs as a
// meta-command). Every segment is checked as it is written (plain-segment-read.ts); a mismatch
// leaves nothing behind and the caller downloads the whole backup instead.
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { findCopySegment, parsePlainIndexText, type PlainIndex, type PlainIndexSegment } from '../archive/plain-index.js';
import { memberTexts, PlainIndexMismatch, segmentBytes, segmentCheck } from '../archive/plain-segment-read.js';
import { LifeboatError } from '../errors.js';
import type { BackupSource } from './backup-source.js';
import { indexObjectProblem, namedIndexText, rangedReadFailure, startRangedDownload, type RangedDownloadOptions } from './ranged-copy.js';
import { endsWithDumpComplete, ensureFreeSpace, HEAD_BYTES, scratchName, type ScratchFile } from './scratch-file.js';
import type { QualifiedName } from './toc-selection.js';

const TAIL_BYTES = 4096;

/** The plain backup's index when an extract may trust it for ranged reads (as usableIndex for archives). */
export async function usablePlainIndex(source: BackupSource): Promise<{ index: PlainIndex | null; note: string | null }> {
  if (source.parsed.format !== 'plain' || !source.parsed.gzip) return { index: null, note: null };
  const { text, note } = await namedIndexText(source);
  if (text === null) return { index: null, note };
  const read = parsePlainIndexText(text, source.key);
  if (read.status !== 'ok') return { index: null, note: read.status === 'missing' ? null : read.problem };
  const problem = indexObjectProblem(source, read.index.storedBytes, read.index.encryption !== null);
  return problem ? { index: null, note: problem } : { index: read.index, note: null };
}

/** The segments an extract of `tables` restores, in the backup's order. Throws NOT_FOUND for a table the backup does not have. */
export function extractSegments(index: PlainIndex, tables: readonly QualifiedName[]): PlainIndexSegment[] {
  const wanted = new Set<PlainIndexSegment>();
  for (const t of tables) {
    const seg = findCopySegment(index, `${t.schema}.${t.name}`);
    if (!seg || seg.schema !== t.schema || seg.name !== t.name) throw new LifeboatError('NOT_FOUND', `There is no table ${t.schema}.${t.name} in the backup.`, { hint: { kind: 'choose-table' } });
    wanted.add(seg);
  }
  return index.segments.filter((s) => (s.kind === 'text' ? s.extract : wanted.has(s)));
}

/**
 * Downloads the segments an extract of `tables` needs into a private .sql.gz, checking each.
 * Throws PlainIndexMismatch when the index proves wrong (nothing is left behind).
 */
export async function downloadPlainExtract(
  source: BackupSource,
  index: PlainIndex,
  tables: readonly QualifiedName[],
  opts: RangedDownloadOptions,
): Promise<ScratchFile> {
  const segments = extractSegments(index, tables);
  const { dir, storage, resolveKey } = await startRangedDownload(source, opts);
  const file = path.join(dir, scratchName('restore', '.sql.gz'));
  const remove = async (): Promise<void> => rm(file, { force: true });
  let fh: FileHandle | null = null;
  const head: Buffer[] = [];
  let headBytes = 0;
  let tail = Buffer.alloc(0);
  try {
    await ensureFreeSpace(dir, segments.reduce((n, s) => n + (s.archive.end - s.archive.offset), 0));
    fh = await open(file, 'wx', 0o600);
    for (const seg of segments) {
      const check = segmentCheck(seg);
      for await (const m of memberTexts(segmentBytes(storage, source.key, index, seg, resolveKey, opts.signal), seg.archive.offset)) {
        check.push(m.text);
        tail = Buffer.concat([tail, m.text]).subarray(-TAIL_BYTES);
        if (headBytes < HEAD_BYTES) {
          head.push(m.member.subarray(0, HEAD_BYTES - headBytes));
          headBytes += Math.min(m.member.length, HEAD_BYTES - headBytes);
        }
        await fh.write(m.member);
      }
      check.done();
    }
    await fh.close();
    fh = null;
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await remove();
    throw rangedReadFailure(e, opts.signal, opts.what ?? 'The extract', PlainIndexMismatch);
  }
  return { path: file, head: Buffer.concat(head), plainComplete: endsWithDumpComplete(tail.toString('utf8')), sha256: '', remove };
}
