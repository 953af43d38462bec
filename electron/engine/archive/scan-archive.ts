import type { BlockTextStats } from './block-text-stats.js';
import { ByteReader } from './byte-reader.js';
import { BlockDecoder } from './block-decoder.js';
import { CopyRowStats } from './copy-text.js';
import { BLK_BLOBS, readArchiveHead, readBlockStart, readChunks, readToc, skipBlobs, type ArchiveHead, type TocEntry } from './custom-format.js';

/** One data block as found in the archive: where it lies (offsets in the plain archive) and what it held. */
export interface ScannedBlock {
  dumpId: number;
  /** 1 = table data, 3 = large objects. */
  type: number;
  /** Offset of the block's type byte in the archive. */
  offset: number;
  /** Offset just past the block's last byte. */
  end: number;
  /** Rows of COPY text (null when the text could not be decoded: lz4/zstd, or large objects). */
  rows: number | null;
  rawBytes: number | null;
  fingerprint: string | null;
  /** For large-object blocks: how many objects. */
  largeObjects?: number;
}

export interface ArchiveScan {
  head: ArchiveHead;
  toc: TocEntry[];
  /** Offset of the first data block (the end of the TOC). */
  tocEnd: number;
  blocks: ScannedBlock[];
  /** Total archive bytes. */
  bytes: number;
}

/**
 * Reads a whole custom-format archive once, from its first byte: header, TOC, and every data block,
 * recording each block's byte range and counting and fingerprinting its rows. Memory stays at about
 * one chunk whatever the archive's size. With `textStats` the rows were already counted from the
 * plain text by the stage that compressed it: the blocks are then only measured, not inflated.
 */
export async function scanArchive(source: AsyncIterable<Buffer | Uint8Array>, opts: { textStats?: BlockTextStats } = {}): Promise<ArchiveScan> {
  const r = new ByteReader(source);
  const { head, ints } = await readArchiveHead(r);
  const toc = await readToc(head, ints);
  const tocEnd = r.position;
  const blocks: ScannedBlock[] = [];
  while (!(await r.atEnd())) {
    const offset = r.position;
    const { type, dumpId } = await readBlockStart(r, ints);
    if (type === BLK_BLOBS) {
      const n = await skipBlobs(r, ints);
      blocks.push({ dumpId, type, offset, end: r.position, rows: null, rawBytes: null, fingerprint: null, largeObjects: n });
      continue;
    }
    if (opts.textStats) {
      await readChunks(r, ints, () => true);
      const seen = opts.textStats.of(dumpId);
      blocks.push({ dumpId, type, offset, end: r.position, rows: seen?.rows ?? null, rawBytes: seen?.rawBytes ?? null, fingerprint: seen?.fingerprint() ?? null });
      continue;
    }
    const stats = new CopyRowStats();
    const decoder = new BlockDecoder(head.compression, (text) => stats.push(text));
    try {
      await readChunks(r, ints, async (bytes) => {
        await decoder.write(bytes);
        return true;
      });
      await decoder.end();
    } finally {
      decoder.destroy();
    }
    const known = decoder.supported && !stats.hasPartialRow;
    blocks.push({
      dumpId, type, offset, end: r.position,
      rows: known ? stats.rows : null,
      rawBytes: known ? stats.rawBytes : null,
      fingerprint: known ? stats.fingerprint() : null,
    });
  }
  return { head, toc, tocEnd, blocks, bytes: r.position };
}
