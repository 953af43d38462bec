interface Entry {
  /** Bytes known now, or once `wait` settles and `finish` turns its result into bytes. */
  bytes: Buffer | null;
  wait: Promise<void> | null;
  settled: boolean;
  finish: (() => Buffer) | null;
}

/**
 * The re-written stream in order: bytes known at once (archive structure) and bytes a worker is
 * still compressing, queued as they were produced and released strictly in that order. Each
 * `finish` runs when its entry is released, so in order too: it can carry state from one piece to
 * the next (a stream's running adler32).
 */
export class OrderedOutput {
  private readonly entries: Entry[] = [];
  private pendingJobs = 0;

  /** Jobs queued or running: what bounds memory. */
  get inFlight(): number {
    return this.pendingJobs;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  push(bytes: Buffer): void {
    if (bytes.length > 0) this.entries.push({ bytes, wait: null, settled: true, finish: null });
  }

  pushPending<T>(result: Promise<T>, finish: (r: T) => Buffer): void {
    this.pendingJobs++;
    let value: { ok: true; r: T } | { ok: false; e: unknown } | null = null;
    const entry: Entry = { bytes: null, wait: null, settled: false, finish: null };
    // Settles without rejecting, so a worker failure is never an unhandled rejection; it is
    // rethrown when the entry's turn comes.
    entry.wait = result.then(
      (r) => void (value = { ok: true, r }),
      (e: unknown) => void (value = { ok: false, e }),
    ).finally(() => {
      this.pendingJobs--;
      entry.settled = true;
    });
    entry.finish = () => {
      const v = value;
      if (!v) throw new Error('a compression job was released before it settled');
      if (!v.ok) throw v.e instanceof Error ? v.e : new Error(String(v.e));
      return finish(v.r);
    };
    this.entries.push(entry);
  }

  /**
   * Everything ready at the front of the queue, as one buffer (small structural pieces are not
   * written one by one). With `wait`, waits for the front entry when nothing is ready yet.
   */
  async take(wait: boolean): Promise<Buffer | null> {
    const ready: Buffer[] = [];
    while (this.entries.length > 0) {
      const head = this.entries[0] as Entry;
      if (!head.settled) {
        if (ready.length > 0 || !wait) break;
        await head.wait;
      }
      this.entries.shift();
      ready.push(head.finish ? head.finish() : (head.bytes as Buffer));
    }
    // One buffer is passed on as it is: a copy would only be one more large allocation to collect.
    if (ready.length <= 1) return ready[0] ?? null;
    return Buffer.concat(ready);
  }
}
