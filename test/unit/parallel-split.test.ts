// How a parallel restore straight from storage divides a table of contents (pure).
import { describe, expect, it } from 'vitest';
import type { IndexBlock, IndexEntry } from '../../electron/engine/archive/index-file.js';
import { splitForParallelRestore, useListText } from '../../electron/engine/restore/parallel-split.js';

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
