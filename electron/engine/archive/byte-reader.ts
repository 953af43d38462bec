/**
 * Reads exact byte counts from an async stream of buffers, keeping the absolute position, so the
 * archive parser can be written as plain sequential code (the way pg_dump's ReadInt/ReadStr are)
 * while the bytes arrive in arbitrary pieces from a pipe, a download or a tap on a backup.
 */
export class ByteReader {
  private readonly iter: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;
  private done = false;
  /** Absolute offset (from the start of the source) of the next byte to be read. */
  position: number;

  constructor(source: AsyncIterable<Buffer | Uint8Array>, startOffset = 0) {
    this.iter = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    this.position = startOffset;
  }

  private get available(): number {
    return this.buf.length - this.at;
  }

  /** Pulls until at least n bytes are buffered; false when the source ended first. */
  private async fill(n: number): Promise<boolean> {
    while (this.available < n && !this.done) {
      const next = await this.iter.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const piece = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      if (piece.length === 0) continue;
      this.buf = this.available === 0 ? piece : Buffer.concat([this.buf.subarray(this.at), piece]);
      this.at = 0;
    }
    return this.available >= n;
  }

  /** Exactly n bytes; throws TruncatedError when the source ends first. */
  async read(n: number): Promise<Buffer> {
    if (this.available < n && !(await this.fill(n))) throw new TruncatedError(this.position + this.available);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    this.position += n;
    return out;
  }

  async byte(): Promise<number> {
    if (this.available < 1 && !(await this.fill(1))) throw new TruncatedError(this.position);
    this.position++;
    return this.buf[this.at++] as number;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }

  /** Stops the source (a download is aborted rather than read to its end). */
  async close(): Promise<void> {
    await this.iter.return?.();
  }
}

export class TruncatedError extends Error {
  constructor(readonly at: number) {
    super(`the archive ends at byte ${at}, in the middle of a structure`);
  }
}
