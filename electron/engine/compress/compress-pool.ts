import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LifeboatError } from '../errors.js';
import { COMPRESS_WORKER_SOURCE } from './worker-source.js';

/**
 * What one worker is asked to compress. The data is moved (transferred), not copied: it must be the
 * whole of a buffer of its own that the caller no longer uses. The small dictionary is copied.
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

interface Pending {
  job: CompressJob;
  resolve: (r: CompressResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: (Pending & { id: number }) | null;
}

/**
 * A fixed set of worker threads compressing jobs in whatever order they free up; callers keep the
 * order by awaiting the promises in submission order. A worker that dies fails its job and every
 * later one: a backup must never continue past a piece it could not compress.
 */
export class CompressPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  private closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.startWorker());
  }

  private startWorker(): Slot {
    const worker = new Worker(COMPRESS_WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker, busy: null };
    // The message also carries the job's own buffers back (`spent`): dropped here, they are collected
    // with the main thread's garbage instead of piling up in the worker (worker-source.ts).
    worker.on('message', (msg: { id: number; bytes: Uint8Array; adler: number }) => {
      const done = slot.busy;
      slot.busy = null;
      if (done && done.id === msg.id) done.resolve({ bytes: Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength), adler: msg.adler });
      this.dispatch();
    });
    worker.on('error', (e) => this.fail(workerFailed(e)));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(workerExited(code));
    });
    return slot;
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const s of this.slots) {
      s.busy?.reject(e);
      s.busy = null;
    }
    for (const p of this.queue.splice(0)) p.reject(e);
    void this.close();
  }

  run(job: CompressJob): Promise<CompressResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the compression pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      const id = this.nextId++;
      slot.busy = { ...next, id };
      const transfer = [next.job.data.buffer as ArrayBuffer];
      slot.worker.postMessage({ ...next.job, id }, transfer);
    }
  }

  /** For fault tests: one worker dies as if it had crashed. */
  async killOneWorker(): Promise<void> {
    await this.slots[0]?.worker.terminate();
  }

  /** Stops every worker; pending jobs fail. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.failure) this.failure = new Error('the compression pool is closed');
    for (const s of this.slots) s.busy?.reject(this.failure);
    for (const p of this.queue.splice(0)) p.reject(this.failure);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
