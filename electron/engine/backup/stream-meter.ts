import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Counts and hashes the bytes exactly as they go to storage, so the manifest's size and SHA-256
 * describe the stored object without reading it back.
 */
export class StreamMeter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly onBytes: (n: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes(chunk.length);
    cb(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Holds back the end of the stream until `check` resolves. pg_dump can write its last byte and
 * still exit with an error; the upload must not complete (and the object must not appear) until
 * we know the dump itself succeeded.
 */
export class EndGate extends Transform {
  constructor(private readonly check: () => Promise<Error | null>) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.check().then(
      (err) => cb(err ?? undefined),
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
