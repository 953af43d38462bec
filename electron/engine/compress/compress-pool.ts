import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LifeboatError } from '../errors.js';
import { COMPRESS_WORKER_SOURCE } from './worker-source.js';

/**
 * What one worker is asked to compress. Data in one of the pool's shared slots (`sharedPiece`) is
 * read there; any other data is moved (transferred), not copied: it must be the whole of a buffer of
 * its own that the caller no longer uses. The small dictionary is copied when the job is submitted,
 * so the caller may reuse its memory as soon as `run` returns.
 */
export type CompressJob =
  | { kind: 'gzip-member'; data: Uint8Array; level: number }
  | { kind: 'deflate-piece'; data: Uint8Array; level: number; dictionary: Uint8Array | null; last: boolean };

export interface CompressResult {
  /** A view on the worker's output buffer, which is larger (room for incompressible input): copy what is kept. */
  bytes: Buffer;
  /** adler32 of the piece's input (deflate pieces only). */
  adler: number;
}

/**
 * Leaves a core for pg_dump (and, on a laptop, the server) and compresses on the rest from 3 cores
 * up. On 1 or 2 cores the workers still win, so there is one per core: Node's zlib deflates the
 * same data at the same level in about 60% of the CPU time pg_dump's does, and the row counts are
 * then taken from the text before it is compressed instead of by inflating pg_dump's output again
 * (docs/benchmarks.md, Backup). Workers wait while pg_dump has nothing for them, so they do not
 * starve it.
 */
export function defaultCompressWorkers(cores = availableParallelism()): number {
  return cores >= 3 ? cores - 1 : Math.max(1, cores);
}

// The way out is the surface's to say (a worker count on the command line; the app has none): a hint.
export const workerFailed = (e: Error): LifeboatError =>
  new LifeboatError('INTERNAL', `A compression worker failed (${e.message}); the backup was stopped and nothing was kept.`, { hint: { kind: 'compress-with-pg-dump' } });
export const workerExited = (code: number): LifeboatError =>
  new LifeboatError('INTERNAL', `A compression worker stopped unexpectedly (exit code ${code}); the backup was stopped and nothing was kept.`, { hint: { kind: 'compress-with-pg-dump' } });

/**
 * The largest piece a shared slot holds: a plain backup's gzip member (plain-members.ts); a custom
 * archive's pieces are half that, and the untouched half of each slot is never made resident.
 */
const SLOT_BYTES = 1024 * 1024;
/** deflate's window: the most a piece's dictionary can be (split-zlib-stream.ts keeps that much). */
export const DEFLATE_WINDOW = 32 * 1024;

interface Pending {
  /** What the worker is sent (worker-source.ts), and the buffers that move with it. */
  message: Record<string, unknown>;
  transfer: ArrayBuffer[];
  /** The shared slot holding the job's data and dictionary, freed when the worker answers. */
  slot: number | null;
  resolve: (r: CompressResult) => void;
  reject: (e: Error) => void;
}

interface Seat {
  worker: Worker;
  busy: (Pending & { id: number }) | null;
}

/**
 * A fixed set of worker threads compressing jobs in whatever order they free up; callers keep the
 * order by awaiting the promises in submission order. A worker that dies fails its job and every
 * later one: a backup must never continue past a piece it could not compress.
 */
export class CompressPool {
  private readonly seats: Seat[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  private closed = false;
  /**
   * Pieces are filled and compressed in memory shared with the workers, a fixed set of slots
   * reused piece after piece: a piece moved to a worker and back would be a new half-megabyte
   * of external memory on each arrival, and V8 answers that much of it with a full collection
   * every few dozen pieces, which cost a fifth of a backup's CPU (docs/benchmarks.md, Backup).
   */
  private readonly shared: SharedArrayBuffer;
  private readonly freeSlots: number[] = [];

  constructor(readonly size: number) {
    // Enough slots for every job the writers keep in flight (2 per worker + 2) and the pieces being filled.
    const count = size * 2 + 6;
    this.shared = new SharedArrayBuffer(count * (DEFLATE_WINDOW + SLOT_BYTES));
    for (let i = count - 1; i >= 0; i--) this.freeSlots.push(i);
    for (let i = 0; i < size; i++) this.seats.push(this.startWorker());
  }

  /**
   * Room for a piece of `size` bytes in a free shared slot, given back when the piece's job is done
   * (or by `releasePiece`); null when every slot is in use or the piece is larger than a slot.
   */
  sharedPiece(size: number): Buffer | null {
    const slot = size <= SLOT_BYTES ? this.freeSlots.pop() : undefined;
    if (slot === undefined) return null;
    return Buffer.from(this.shared, this.slotOffset(slot) + DEFLATE_WINDOW, size);
  }

  /** How many shared slots are free now (all of them once every job is done). */
  get freeSharedPieces(): number {
    return this.freeSlots.length;
  }

  /** A shared piece that is not submitted (its writer compressed it itself) goes back to the free slots. */
  releasePiece(data: Uint8Array): void {
    const slot = this.slotOf(data);
    if (slot !== null) this.freeSlots.push(slot);
  }

  private slotOffset(slot: number): number {
    return slot * (DEFLATE_WINDOW + SLOT_BYTES);
  }

  private slotOf(data: Uint8Array): number | null {
    if (data.buffer !== this.shared) return null;
    return Math.floor(data.byteOffset / (DEFLATE_WINDOW + SLOT_BYTES));
  }

  private startWorker(): Seat {
    const workerData = { shared: this.shared, slotBytes: SLOT_BYTES, dictionaryBytes: DEFLATE_WINDOW };
    const worker = new Worker(COMPRESS_WORKER_SOURCE, { eval: true, workerData });
    const seat: Seat = { worker, busy: null };
    // A job's own buffers come back with its output (`spent`): dropped here, they are collected with
    // the main thread's garbage instead of piling up in the worker (worker-source.ts).
    worker.on('message', (msg: { id: number; bytes: Uint8Array; adler: number }) => {
      const done = seat.busy;
      seat.busy = null;
      if (done && done.slot !== null) this.freeSlots.push(done.slot);
      if (done && done.id === msg.id) done.resolve({ bytes: Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength), adler: msg.adler });
      this.dispatch();
    });
    worker.on('error', (e) => this.fail(workerFailed(e)));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(workerExited(code));
    });
    return seat;
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const s of this.seats) {
      s.busy?.reject(e);
      s.busy = null;
    }
    for (const p of this.queue.splice(0)) p.reject(e);
    void this.close();
  }

  run(job: CompressJob): Promise<CompressResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the compression pool is closed'));
    const { data, ...rest } = job;
    const dictionary = job.kind === 'deflate-piece' ? job.dictionary : null;
    const slot = this.slotOf(data);
    let pending: Omit<Pending, 'resolve' | 'reject'>;
    if (slot !== null) {
      // The worker reads the piece in its slot, and the dictionary beside it, copied there now: the
      // caller reuses its memory once this returns.
      if (dictionary) new Uint8Array(this.shared, this.slotOffset(slot), dictionary.length).set(dictionary);
      pending = { message: { ...rest, dictionary: null, slot, length: data.length, dictionaryLength: dictionary?.length ?? 0 }, transfer: [], slot };
    } else {
      // A buffer of its own moves to the worker; a copy of the dictionary goes with it.
      pending = { message: { ...rest, data, dictionary: dictionary ? new Uint8Array(dictionary) : null }, transfer: [data.buffer as ArrayBuffer], slot: null };
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ...pending, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const seat of this.seats) {
      if (seat.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      const id = this.nextId++;
      seat.busy = { ...next, id };
      seat.worker.postMessage({ ...next.message, id }, next.transfer);
    }
  }

  /** For fault tests: one worker dies as if it had crashed. */
  async killOneWorker(): Promise<void> {
    await this.seats[0]?.worker.terminate();
  }

  /** Stops every worker; pending jobs fail. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.failure) this.failure = new Error('the compression pool is closed');
    for (const s of this.seats) s.busy?.reject(this.failure);
    for (const p of this.queue.splice(0)) p.reject(this.failure);
    await Promise.all(this.seats.map((s) => s.worker.terminate()));
  }
}
