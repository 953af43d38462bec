// The code each compression worker runs. It is shipped as a string (Worker `eval: true`) rather than
// a file beside this one: the engine runs from TypeScript sources under vitest, from dist/ in the CLI
// and from inside an asar archive in the app, and a string is found the same way in all three.
// It only calls zlib on the bytes it is handed; nothing from storage or the database is executed.
export const COMPRESS_WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');

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

parentPort.on('message', (job) => {
  const data = job.data;
  let out;
  let adler = 0;
  if (job.kind === 'gzip-member') {
    out = zlib.gzipSync(data, { level: job.level });
  } else {
    // One piece of a pigz-style split zlib stream: raw deflate primed with the previous piece's
    // last 32 KiB, ending on a byte boundary (sync flush) unless it is the stream's last piece.
    const opts = { level: job.level, finishFlush: job.last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH };
    if (job.dictionary) opts.dictionary = job.dictionary;
    out = zlib.deflateRawSync(data, opts);
    adler = adler32(data);
  }
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.length);
  const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  parentPort.postMessage({ id: job.id, bytes: copy, adler }, [copy.buffer]);
});
`;
