// Variant (A) of a parallel restore, kept for the benchmark (docs/benchmarks.md, "Restore"): the
// whole backup downloaded into a local copy (SHA-256 checked as always), then every data entry's
// offset field in its TOC set from the index (the same bytes ranged-copy.ts patches for a selective
// restore), so `pg_restore -j N` seeks to each block instead of scanning the archive for it. It
// needs free disk for the whole archive, which is why the default is the ranged restore
// (parallel-ranged-restore.ts); LIFEBOAT_PARALLEL_RESTORE=local-copy chooses this one.
import { open } from 'node:fs/promises';
import { BLK_BLOBS, BLK_DATA } from '../archive/custom-format.js';
import type { ArchiveIndex } from '../archive/index-file.js';
import { IndexMismatch, checkedToc, offsetField } from './ranged-copy.js';

export const PARALLEL_RESTORE_VARIANT = 'LIFEBOAT_PARALLEL_RESTORE';

export function wantsLocalCopy(env: NodeJS.ProcessEnv): boolean {
  return env[PARALLEL_RESTORE_VARIANT] === 'local-copy';
}

/**
 * Writes each block's offset into the copy's TOC once the copy shows, at that offset, the type
 * byte and dump id the index promises. Throws IndexMismatch (nothing written) when any does not:
 * pg_restore then scans the copy as before.
 */
export async function setDataOffsets(file: string, index: ArchiveIndex): Promise<void> {
  const a = index.archive;
  const fh = await open(file, 'r+');
  try {
    const head = Buffer.alloc(a.tocEnd);
    await fh.read(head, 0, a.tocEnd, 0);
    const entries = await checkedToc(head, index);
    const patches: { at: number; field: Buffer }[] = [];
    const start = Buffer.alloc(1 + 1 + a.intSize);
    for (const block of index.blocks) {
      const entry = entries.get(block.dumpId);
      if (!entry) throw new IndexMismatch(`the index has a block for entry ${block.dumpId}, which the table of contents does not have`);
      await fh.read(start, 0, start.length, block.archive.offset);
      let id = 0;
      for (let i = a.intSize; i >= 1; i--) id = id * 256 + (start[1 + i] as number);
      if (start[1] !== 0) id = -id;
      const type = start[0];
      if ((type !== BLK_DATA && type !== BLK_BLOBS) || type !== block.type || id !== block.dumpId) throw new IndexMismatch(`the block at byte ${block.archive.offset} is not block ${block.dumpId}`);
      patches.push({ at: entry.offsetAt, field: offsetField(block.archive.offset, a.offSize) });
    }
    for (const p of patches) await fh.write(p.field, 0, p.field.length, p.at);
  } finally {
    await fh.close();
  }
}
