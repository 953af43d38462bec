// The code each compression worker runs. It is shipped as a string (Worker `eval: true`) rather than
// a file beside this one: the engine runs from TypeScript sources under vitest, from dist/ in the CLI
// and from inside an asar archive in the app, and a string is found the same way in all three.
// It only calls zlib on the bytes it is handed; nothing from storage or the database is executed.
export const COMPRESS_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const zlib = require('node:zlib');

// The pool's shared slots (compress-pool.ts): each is a dictionary region then a piece region.
const shared = workerData && workerData.shared;
const stride = workerData ? workerData.dictionaryBytes + workerData.slotBytes : 0;

// zlib's adler32 (RFC 1950), in 5552-byte runs so the sums never overflow before the modulo.
// Unrolled by 16: Node 20 has no native adler32, and the plain loop costs a third of deflate's time.
function adler32(data) {
  let a = 1, b = 0;
  const len = data.length;
  let i = 0;
  while (i < len) {
    const end = Math.min(i + 5552, len);
    const end16 = end - ((end - i) & 15);
    while (i < end16) {
      a += data[i]; b += a; a += data[i + 1]; b += a; a += data[i + 2]; b += a; a += data[i + 3]; b += a;
      a += data[i + 4]; b += a; a += data[i + 5]; b += a; a += data[i + 6]; b += a; a += data[i + 7]; b += a;
      a += data[i + 8]; b += a; a += data[i + 9]; b += a; a += data[i + 10]; b += a; a += data[i + 11]; b += a;
      a += data[i + 12]; b += a; a += data[i + 13]; b += a; a += data[i + 14]; b += a; a += data[i + 15]; b += a;
      i += 16;
    }
    for (; i < end; i++) { a += data[i]; b += a; }
    a %= 65521; b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

// Room for the whole output in one buffer (zlib's deflateBound, plus a gzip header and trailer):
// zlib then writes straight into it and no 16 KiB output chunks are joined.
function outputRoom(n) {
  return n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 64;
}

// zlib's output buffer moves to the main thread with the output in it (below), and each one counts
// there as that much new external memory: enough of it starts one of V8's full collections. So a
// piece that is expected to shrink a lot (the last one did) gets a small buffer instead of room for
// all of it; should it not fit after all, zlib adds buffers and joins them, which costs little.
const SMALL_ROOM = 64 * 1024;
let expectSmall = false;

// A piece in a shared slot is read where it lies: nothing moves, nothing is left to collect. A job
// that brought its own buffers (no free slot) sends them back with the output:
// V8 collects a thread's young array buffers only once about 32 MiB of them have piled up, so every
// one left here would hold that much dead memory in each worker.
parentPort.on('message', (job) => {
  let data = job.data;
  if (job.slot !== undefined) {
    const base = job.slot * stride;
    data = new Uint8Array(shared, base + workerData.dictionaryBytes, job.length);
    job.dictionary = job.dictionaryLength > 0 ? new Uint8Array(shared, base, job.dictionaryLength) : null;
  }
  const chunkSize = expectSmall ? Math.min(SMALL_ROOM, outputRoom(data.length)) : outputRoom(data.length);
  let out;
  let adler = 0;
  if (job.kind === 'gzip-member') {
    out = zlib.gzipSync(data, { level: job.level, chunkSize });
  } else {
    // One piece of a pigz-style split zlib stream: raw deflate primed with the previous piece's
    // last 32 KiB, ending on a byte boundary (sync flush) unless it is the stream's last piece.
    const opts = { level: job.level, chunkSize, finishFlush: job.last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH };
    if (job.dictionary) opts.dictionary = job.dictionary;
    out = zlib.deflateRawSync(data, opts);
    adler = adler32(data);
  }
  expectSmall = out.length <= SMALL_ROOM / 2;
  // The output is a view at the start of a buffer of its own (zlib's one output buffer, or the
  // join of several): that whole buffer moves, the view says how much of it is the output, and
  // nothing is left here. (Copying it instead left zlib's buffer dead in this thread: 25-30 MiB
  // more resident per backup, docs/benchmarks.md.) A small output in Node's shared pool, which
  // must never move, is copied into a buffer of its own.
  const own = out.byteOffset === 0 && (out.buffer.byteLength === chunkSize || out.buffer.byteLength === out.length);
  const bytes = own ? new Uint8Array(out.buffer, 0, out.length) : new Uint8Array(out);
  const transfer = [bytes.buffer];
  if (job.slot === undefined) {
    transfer.push(data.buffer);
    if (job.dictionary) transfer.push(job.dictionary.buffer);
  }
  parentPort.postMessage({ id: job.id, bytes, adler, spent: job.slot === undefined ? [data, job.dictionary] : null }, transfer);
});
`;
