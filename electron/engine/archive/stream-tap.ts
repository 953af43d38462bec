import { Transform, type TransformCallback } from 'node:stream';

/** How far the reader may fall behind before the tap holds the stream back. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/**
 * Passes a stream through unchanged while a reader (the archive scanner) consumes a copy of it in
 * the same pass. The bytes go downstream first, so the reader never delays the upload except when
 * it falls more than 8 MiB behind (then the tap waits for it: memory stays bounded). A reader that
 * fails never fails the stream: `result` then resolves to null and the bytes keep flowing.
 */
export class StreamTap<T> extends Transform {
  readonly result: Promise<T | null>;
  /** Why the reader gave up, when it did. */
  failure: Error | null = null;
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private wake: (() => void) | null = null;
  private onDrained: (() => void) | null = null;
  private readerDone = false;

  constructor(read: (source: AsyncIterable<Buffer>) => Promise<T>) {
    super();
    this.result = read(this.source()).then(
      (v) => {
        this.finishReader();
        return v;
      },
      (e: unknown) => {
        this.failure = e instanceof Error ? e : new Error(String(e));
        this.finishReader();
        return null;
      },
    );
  }

  private finishReader(): void {
    this.readerDone = true;
    this.queue = [];
    this.queued = 0;
    this.onDrained?.();
    this.onDrained = null;
  }

  private async *source(): AsyncGenerator<Buffer> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        this.queued -= next.length;
        if (this.queued <= MAX_QUEUED_BYTES / 2 && this.onDrained) {
          const go = this.onDrained;
          this.onDrained = null;
          go();
        }
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.push(chunk);
    if (this.readerDone) {
      cb();
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.poke();
    if (this.queued > MAX_QUEUED_BYTES) this.onDrained = () => cb();
    else cb();
  }

  override _flush(cb: TransformCallback): void {
    this.ended = true;
    this.poke();
    cb();
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    // The stream failed or was cancelled: the reader sees the end and fails on a short archive.
    this.ended = true;
    this.poke();
    cb(err);
  }
}
