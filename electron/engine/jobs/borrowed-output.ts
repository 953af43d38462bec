// A child's standard output read into one reused buffer, for a consumer that copies what it keeps.
//
// Node reads a child's stdout pipe into a new 64 KiB buffer per read. pg_dump's `-Z0` output is the
// size of the database, so a 1 GiB backup made 16,000 such buffers, each new external memory on the
// main thread that only a garbage collection gives back: they piled up between collections (about
// 30 MiB of peak RSS) and their churn cost CPU (docs/benchmarks.md, Backup). A socket created with
// `onread` reads into a buffer of our own instead, but only a socket has that option, and Node has
// no socketpair(): so the child's stdout is the far end of a Unix socket connected through a server
// that lives only as long as it takes to connect, inside a directory no other user can enter.
//
// Each chunk is a view of that one buffer, valid until the consumer asks for the next: reading is
// paused in between, so the bytes cannot change under the consumer. Not on Windows (named pipes
// would do, untested there): callers fall back to the child's own stdout (`borrowedOutputWorks`).
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** How much one read takes: four of Node's pipe reads. */
const READ_BYTES = 256 * 1024;
/**
 * The longest socket path every Unix takes (sun_path: 104 bytes on macOS, 108 on Linux, with its
 * terminating zero). libuv silently cuts a longer one, which would put the socket outside the
 * private directory (found with a deep TMPDIR): such a path is refused and the caller keeps the pipe.
 */
const MAX_SOCKET_PATH = 103;

export interface BorrowedOutput {
  /** The child's end: give it as the child's stdout (spawn's stdio[1]), then call `handedOver`. */
  childEnd: Socket;
  /** Closes this process's copy of the child's end, so the output ends when the child's does. */
  handedOver(): void;
  /** The child's output; each chunk is overwritten by the next one, so copy what you keep. */
  chunks: AsyncIterableIterator<Buffer>;
}

export const borrowedOutputWorks = process.platform !== 'win32';

export async function openBorrowedOutput(readBytes = READ_BYTES): Promise<BorrowedOutput> {
  // mkdtemp makes the directory 0700: only this user can connect to the socket inside it.
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-out-'));
  const server = createServer({ pauseOnConnect: true });
  try {
    const address = path.join(dir, 'out');
    if (Buffer.byteLength(address) > MAX_SOCKET_PATH) throw new Error(`the socket path ${address} is too long for a Unix socket`);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address, () => resolve());
    });
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const reader = new BorrowedChunks();
    const ours = connect({ path: address, onread: { buffer: Buffer.allocUnsafeSlow(readBytes), callback: reader.onRead } });
    reader.attach(ours);
    const connected = new Promise<void>((resolve, reject) => {
      ours.once('connect', resolve);
      ours.once('error', reject);
    });
    const [theirs] = await Promise.all([accepted, connected]);
    return { childEnd: theirs, handedOver: () => theirs.destroy(), chunks: reader };
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

class BorrowedChunks implements AsyncIterableIterator<Buffer> {
  private socket: Socket | null = null;
  private ready: Buffer | null = null;
  private lent = false;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  attach(socket: Socket): void {
    this.socket = socket;
    const stop = (): void => {
      this.ended = true;
      this.wake?.();
    };
    socket.on('end', stop);
    socket.on('close', stop);
    socket.on('error', (e) => {
      this.failure = e;
      this.wake?.();
    });
  }

  /** One read: keep it for the consumer and stop reading until it asks for more (false pauses the socket). */
  readonly onRead = (n: number, buffer: Buffer): boolean => {
    this.ready = buffer.subarray(0, n);
    this.wake?.();
    return false;
  };

  async next(): Promise<IteratorResult<Buffer>> {
    if (this.lent) {
      // The consumer is done with the last chunk: the buffer may be read into again.
      this.lent = false;
      this.socket?.resume();
    }
    while (!this.ready && !this.ended && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    const chunk = this.ready;
    if (chunk) {
      this.ready = null;
      this.lent = true;
      return { value: chunk, done: false };
    }
    if (this.failure) throw this.failure;
    return { value: undefined, done: true };
  }

  /** The consumer stopped early (an error downstream, a cancel): the socket closes, the child sees EPIPE. */
  return(): Promise<IteratorResult<Buffer>> {
    this.ended = true;
    this.socket?.destroy();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this;
  }
}
