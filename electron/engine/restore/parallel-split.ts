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
// While other workers still load, a worker that is done runs the indexes and constraints whose tables
// are all loaded (earlyPostData), as pg_restore -j's own scheduler does (it repoints a post-data
// entry's dependency on a TABLE to that table's TABLE DATA: pg_backup_archiver.c,
// repoint_table_dependencies); the rest of post-data runs last, as before.
import type { ArchiveIndex, IndexBlock } from '../archive/index-file.js';

/** pg_backup.h teSection. */
const SECTION_NONE = 1;
const SECTION_PRE_DATA = 2;
const SECTION_POST_DATA = 4;

/** What may run while other tables still load: it touches only its own, loaded table. */
const EARLY_KINDS = new Set(['INDEX', 'CONSTRAINT']);
/** Pre-data objects whose contents come later: a dependency on one waits for its data (or, without data, for the end). */
const RELATION_KINDS = new Set(['TABLE', 'MATERIALIZED VIEW', 'VIEW', 'FOREIGN TABLE']);

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

/**
 * The post-data entries that can run now, while other workers still load (in TOC order): indexes and
 * constraints (EARLY_KINDS) every dependency of which is done — a table whose TABLE DATA is loaded
 * (`loaded`: dump ids of loaded TABLE DATA entries), a loaded TABLE DATA, an entry in `ran` or earlier
 * in this same list, or a pre-data entry that is not a relation. A table without a block of its own
 * (a partitioned parent, a view) or anything unknown keeps the entry for the last post-data run.
 * Entries in `taken` (already run or under way) are left out.
 */
export function earlyPostData(index: Pick<ArchiveIndex, 'entries' | 'blocks'>, post: readonly number[], loaded: ReadonlySet<number>, ran: ReadonlySet<number>, taken: ReadonlySet<number>): number[] {
  const byId = new Map(index.entries.map((e) => [e.dumpId, e]));
  const withBlock = new Set(index.blocks.map((b) => b.dumpId));
  // TABLE -> its TABLE DATA (pg_dump makes the TABLE the TABLE DATA's first dependency).
  const dataOf = new Map<number, number>();
  for (const e of index.entries) {
    const table = e.dependencies[0];
    if (e.desc === 'TABLE DATA' && withBlock.has(e.dumpId) && table !== undefined) dataOf.set(table, e.dumpId);
  }
  const chosen = new Set<number>();
  const satisfied = (d: number): boolean => {
    if (ran.has(d) || chosen.has(d) || loaded.has(d)) return true;
    const data = dataOf.get(d);
    if (data !== undefined) return loaded.has(data);
    const dep = byId.get(d);
    return dep !== undefined && dep.section === SECTION_PRE_DATA && !RELATION_KINDS.has(dep.desc ?? '');
  };
  const out: number[] = [];
  for (const id of post) {
    const e = byId.get(id);
    if (!e || taken.has(id) || e.section !== SECTION_POST_DATA || !EARLY_KINDS.has(e.desc ?? '')) continue;
    // Only what waits for loaded data: an entry that depends on no loaded table gains nothing by going early.
    if (!e.dependencies.some((d) => loaded.has(dataOf.get(d) ?? -1) || loaded.has(d))) continue;
    if (!e.dependencies.every(satisfied)) continue;
    chosen.add(id);
    out.push(id);
  }
  return out;
}
