// How a parallel restore straight from storage divides an archive's table of contents (pure).
//
// pg_restore refuses `-j` on standard input (pg_backup_custom.c, _ReopenArchive: "parallel restore
// from standard input is not supported"), and an archive written to a pipe has no data offsets, so
// pg_restore -j on a local copy has to scan it. Lifeboat instead runs the three sections itself:
//   pre-data  one pg_restore on a local file holding only the header and TOC (it reads no data);
//   data      N pg_restore processes, each fed on stdin the header, the TOC and only its own blocks,
//             in the order of its --use-list: with offsets "not set" and a non-seekable input,
//             pg_restore (_PrintTocData) reads the next block header and skips blocks it is not
//             looking for, so a stream holding exactly its blocks in list order is what it needs;
//   post-data one `pg_restore -j N` on the header+TOC file (a regular file: seekable, and none of
//             its entries has data), which builds indexes and constraints in parallel.
// An entry of section "none" (comments, ACLs) belongs to the section before it, as pg_restore's
// own --section does (pg_backup_archiver.c, ProcessArchiveRestoreOptions). Data-section entries
// without a block (SEQUENCE SET, MATERIALIZED VIEW DATA's refresh) run with post-data, after every
// table is loaded: a refresh must see the data.
import type { ArchiveIndex, IndexBlock } from '../archive/index-file.js';

/** pg_backup.h teSection. */
const SECTION_NONE = 1;
const SECTION_PRE_DATA = 2;

export interface DataWorker {
  /** Dump ids of this worker's entries, in TOC order (its --use-list). */
  ids: number[];
  /** Their blocks, in the same order: what its stdin carries after the header and TOC. */
  blocks: IndexBlock[];
  /** Archive bytes of its blocks (the balance). */
  bytes: number;
}

export interface ParallelSplit {
  pre: number[];
  workers: DataWorker[];
  post: number[];
}

const blockBytes = (b: IndexBlock): number => b.archive.end - b.archive.offset;

/**
 * Pre-data entries, the data blocks shared among at most `jobs` workers (largest block first onto
 * the least loaded worker, so the largest table alone bounds the data phase), and the rest.
 */
export function splitForParallelRestore(index: Pick<ArchiveIndex, 'entries' | 'blocks'>, jobs: number): ParallelSplit {
  const blockOf = new Map(index.blocks.map((b) => [b.dumpId, b]));
  const order = new Map<number, number>();
  const pre: number[] = [];
  const post: number[] = [];
  const withBlock: IndexBlock[] = [];
  let section = SECTION_PRE_DATA;
  index.entries.forEach((e, i) => {
    order.set(e.dumpId, i);
    if (e.section !== SECTION_NONE) section = e.section;
    const block = blockOf.get(e.dumpId);
    if (block) withBlock.push(block);
    else if (section === SECTION_PRE_DATA) pre.push(e.dumpId);
    else post.push(e.dumpId);
  });
  const count = Math.max(1, Math.min(jobs, withBlock.length));
  const workers: DataWorker[] = Array.from({ length: count }, () => ({ ids: [], blocks: [], bytes: 0 }));
  const bySize = [...withBlock].sort((a, b) => blockBytes(b) - blockBytes(a) || (order.get(a.dumpId) ?? 0) - (order.get(b.dumpId) ?? 0));
  for (const block of bySize) {
    const least = workers.reduce((min, w) => (w.bytes < min.bytes ? w : min));
    least.blocks.push(block);
    least.bytes += blockBytes(block);
  }
  for (const w of workers) {
    w.blocks.sort((a, b) => (order.get(a.dumpId) ?? 0) - (order.get(b.dumpId) ?? 0));
    w.ids = w.blocks.map((b) => b.dumpId);
  }
  return { pre, workers: workers.filter((w) => w.blocks.length > 0), post };
}

/** A --use-list file's text: one dump id per line (pg_restore reads the number before the ';'). */
export function useListText(ids: readonly number[]): string {
  return ids.map((id) => `${id};\n`).join('');
}
