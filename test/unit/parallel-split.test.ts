// How a parallel restore straight from storage divides a table of contents (pure).
import { describe, expect, it } from 'vitest';
import type { IndexBlock, IndexEntry } from '../../electron/engine/archive/index-file.js';
import { earlyPostData, splitForParallelRestore, useListText } from '../../electron/engine/restore/parallel-split.js';

const NONE = 1;
const PRE = 2;
const DATA = 3;
const POST = 4;

function entry(dumpId: number, desc: string, section: number): IndexEntry {
  return { dumpId, desc, tag: `t${dumpId}`, namespace: 'public', owner: 'me', section, defn: '', copyStmt: null, dependencies: [], hadDumper: desc === 'TABLE DATA' || desc === 'BLOBS' };
}

let at = 1000;
function block(dumpId: number, bytes: number, type: 1 | 3 = 1): IndexBlock {
  const b: IndexBlock = { dumpId, type, archive: { offset: at, end: at + bytes }, stored: { offset: at, end: at + bytes }, rows: null, rawBytes: null, fingerprint: null };
  at += bytes;
  return b;
}

describe('splitForParallelRestore', () => {
  const entries = [
    entry(1, 'ENCODING', PRE),
    entry(2, 'TABLE', PRE),
    entry(3, 'ACL', NONE), // follows a pre-data entry: pre-data
    entry(4, 'TABLE', PRE),
    entry(5, 'BLOB', PRE),
    entry(10, 'TABLE DATA', DATA),
    entry(11, 'TABLE DATA', DATA),
    entry(12, 'TABLE DATA', DATA),
    entry(13, 'BLOBS', DATA),
    entry(14, 'SEQUENCE SET', DATA),
    entry(15, 'MATERIALIZED VIEW DATA', DATA),
    entry(16, 'COMMENT', NONE), // follows a data entry: not pre-data
    entry(20, 'CONSTRAINT', POST),
    entry(21, 'INDEX', POST),
  ];
  const blocks = [block(10, 900), block(11, 500), block(12, 0 + 5), block(13, 450, 3)];

  it('pre-data (with the section-less entries after it), blocks to workers, everything else after the data', () => {
    const s = splitForParallelRestore({ entries, blocks }, 2);
    expect(s.pre).toEqual([1, 2, 3, 4, 5]);
    expect(s.post).toEqual([14, 15, 16, 20, 21]);
    expect(s.workers.flatMap((w) => w.ids).sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
  });

  it('balances by block size, largest first onto the least loaded worker, each worker in TOC order', () => {
    const s = splitForParallelRestore({ entries, blocks }, 2);
    // 900 | 500 + 450, then the empty table's 5 bytes onto the lighter one.
    expect(s.workers.map((w) => w.ids)).toEqual([[10, 12], [11, 13]]);
    expect(s.workers.map((w) => w.bytes)).toEqual([905, 950]);
    for (const w of s.workers) expect(w.blocks.map((b) => b.dumpId)).toEqual(w.ids);
  });

  it('never more workers than blocks, and none without a block', () => {
    expect(splitForParallelRestore({ entries, blocks }, 8).workers).toHaveLength(4);
    expect(splitForParallelRestore({ entries, blocks: [] }, 4).workers).toEqual([]);
    expect(splitForParallelRestore({ entries, blocks }, 1).workers.map((w) => w.ids)).toEqual([[10, 11, 12, 13]]);
  });

  it('writes a --use-list pg_restore reads by the number before the semicolon', () => {
    expect(useListText([10, 12])).toBe('10;\n12;\n');
  });
});

describe('earlyPostData: what a worker that is done runs while others still load', () => {
  const dep = (e: IndexEntry, ...ids: number[]): IndexEntry => ({ ...e, dependencies: ids });
  const entries = [
    entry(1, 'SCHEMA', PRE),
    entry(2, 'FUNCTION', PRE),
    entry(3, 'TABLE', PRE), // loaded by one worker
    entry(4, 'TABLE', PRE), // loaded by another
    entry(5, 'TABLE', PRE), // partitioned parent: no data of its own
    dep(entry(10, 'TABLE DATA', DATA), 3),
    dep(entry(11, 'TABLE DATA', DATA), 4),
    dep(entry(14, 'SEQUENCE SET', DATA), 2),
    dep(entry(20, 'CONSTRAINT', POST), 3), // 3's primary key
    dep(entry(21, 'INDEX', POST), 3, 2), // an expression index on 3 using a function
    dep(entry(22, 'COMMENT', NONE), 21),
    dep(entry(23, 'INDEX', POST), 4),
    dep(entry(24, 'FK CONSTRAINT', POST), 3, 20),
    dep(entry(25, 'INDEX', POST), 5), // on the partitioned parent: reaches every partition
    dep(entry(26, 'INDEX', POST), 3, 23), // depends on an index of the table still loading
    dep(entry(27, 'TRIGGER', POST), 3, 2),
    dep(entry(28, 'INDEX', POST), 3, 99), // a dependency the archive does not have
  ];
  const blocks = [block(10, 100), block(11, 100)];
  const post = splitForParallelRestore({ entries, blocks }, 2).post;
  const none = new Set<number>();

  it('indexes and constraints of the loaded tables only, in TOC order', () => {
    expect(post).toEqual([14, 20, 21, 22, 23, 24, 25, 26, 27, 28]);
    expect(earlyPostData({ entries, blocks }, post, new Set([10]), none, none)).toEqual([20, 21]);
    expect(earlyPostData({ entries, blocks }, post, new Set([11]), none, none)).toEqual([23]);
  });

  it('an entry that depends on one still under way waits; one already run counts as done', () => {
    expect(earlyPostData({ entries, blocks }, post, new Set([10, 11]), none, new Set([23]))).toEqual([20, 21]);
    expect(earlyPostData({ entries, blocks }, post, new Set([10, 11]), new Set([23]), new Set([23]))).toEqual([20, 21, 26]);
  });

  it('nothing without loaded data, nothing taken twice', () => {
    expect(earlyPostData({ entries, blocks }, post, new Set(), none, none)).toEqual([]);
    expect(earlyPostData({ entries, blocks }, post, new Set([10]), new Set([20, 21]), new Set([20, 21]))).toEqual([]);
  });
});
