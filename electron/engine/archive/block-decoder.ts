import { createInflate, type Inflate } from 'node:zlib';
import type { ArchiveCompression } from './custom-format.js';

/** Compressed input is handed to zlib in batches this large: one thread-pool trip per batch, not per 4 KB chunk. */
const BATCH_BYTES = 256 * 1024;

/**
 * Decompresses one data block's chunks as they arrive, handing the plain COPY text on. gzip
 * archives hold one zlib stream per block; -Z0 archives hold the text itself. lz4 and zstd (pg_dump
 * 16+) have no decoder here: `supported` is false and the text is not seen.
 */
export class BlockDecoder {
  readonly supported: boolean;
  private inflate: Inflate | null = null;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private failure: Error | null = null;

  constructor(
    private readonly compression: ArchiveCompression,
    private readonly onText: (text: Buffer) => void,
  ) {
    this.supported = compression === 'none' || compression === 'gzip';
    if (compression === 'gzip') {
      this.inflate = createInflate();
      this.inflate.on('data', (b: Buffer) => this.onText(b));
      this.inflate.on('error', (e) => (this.failure = e));
    }
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.compression === 'none') {
      this.onText(chunk);
      return;
    }
    if (!this.inflate) return;
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes >= BATCH_BYTES) await this.flushBatch();
  }

  private async flushBatch(): Promise<void> {
    const z = this.inflate;
    if (!z || this.batchBytes === 0) return;
    const data = Buffer.concat(this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    await new Promise<void>((resolve) => z.write(data, () => resolve()));
    if (this.failure) throw this.failure;
  }

  /** Ends the block: all its text has been handed on when this resolves. */
  async end(): Promise<void> {
    const z = this.inflate;
    if (!z) return;
    await this.flushBatch();
    await new Promise<void>((resolve, reject) => {
      z.once('end', resolve);
      z.once('error', reject);
      z.end();
    });
    if (this.failure) throw this.failure;
  }

  /** Drops the decoder without waiting (early stop, or a failure elsewhere). */
  destroy(): void {
    this.inflate?.destroy();
  }
}
