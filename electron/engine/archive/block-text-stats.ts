import { CopyRowStats } from './copy-text.js';

/**
 * Row counts and fingerprints of a custom archive's table-data blocks, taken from their plain COPY
 * text by the stage that already holds it: Lifeboat's compressor sees every block before it
 * deflates it, so the scanner of the stored archive (scan-archive.ts) need not inflate it again
 * just to count rows. Filled as the blocks stream past; read once the archive has been scanned.
 */
export class BlockTextStats {
  private readonly byDumpId = new Map<number, CopyRowStats>();

  /** The stats a block's text is pushed into, from its first byte. */
  open(dumpId: number): CopyRowStats {
    const stats = new CopyRowStats();
    this.byDumpId.set(dumpId, stats);
    return stats;
  }

  /** A block's stats, when its text was seen whole (undefined: not seen; the scan says "unknown"). */
  of(dumpId: number): CopyRowStats | undefined {
    const stats = this.byDumpId.get(dumpId);
    return stats && !stats.hasPartialRow ? stats : undefined;
  }
}
