// npm run bench:encryption [-- --size-mb 512 --runs 5]
// Throughput of the encrypting and decrypting streams against a plain pass-through, in one
// process, side by side and round-robin: what encryption costs on its own, apart from pg_dump,
// the network and the disk (bench:backup measures it inside a real backup).
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createDecryptStream } from '../electron/engine/crypto/decrypt-stream.js';
import { createEncryptStream } from '../electron/engine/crypto/encrypt-stream.js';
import { generateMasterKey } from '../electron/engine/crypto/master-key.js';
import { median } from './support/measure.js';
import { findRepoRoot, writeBenchSection } from './support/report.js';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '512' }, runs: { type: 'string', default: '5' } } });
const sizeMiB = Number(values['size-mb']);
const runs = Number(values.runs);
const log = (s: string): void => void process.stderr.write(`${s}\n`);

// 64 KiB pieces, as pg_dump's pipe delivers them; the same random block repeated (content does not matter to AES).
const piece = randomBytes(64 * 1024);
const pieces = (sizeMiB * 1024 * 1024) / piece.length;
const source = (): Readable => Readable.from((function* () {
  for (let i = 0; i < pieces; i++) yield piece;
})());
const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

const key = generateMasterKey();
log(`preparing ${sizeMiB} MiB of encrypted data…`);
const encryptedParts: Buffer[] = [];
await pipeline(source(), createEncryptStream(key), new Writable({ write: (c: Buffer, _e, cb) => { encryptedParts.push(c); cb(); } }));
const encryptedSource = (): Readable => Readable.from(encryptedParts);

async function timed(make: () => [Readable, Transform]): Promise<number> {
  const [src, t] = make();
  const start = process.hrtime.bigint();
  await pipeline(src, t, sink());
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const variants: Record<string, () => [Readable, Transform]> = {
  plain: () => [source(), new PassThrough()],
  encrypt: () => [source(), createEncryptStream(key)],
  decrypt: () => [encryptedSource(), createDecryptStream(() => key)],
};
const results: Record<string, number[]> = {};
for (let i = 0; i < runs; i++) {
  const names = Object.keys(variants);
  for (const n of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
    const ms = await timed(variants[n] as () => [Readable, Transform]);
    (results[n] ??= []).push(ms);
    log(`run ${i + 1} ${n}: ${ms.toFixed(0)} ms`);
  }
}
const mbps = (n: string): number => sizeMiB / (median(results[n] ?? []) / 1000);
const md = `## Encryption streams (\`npm run bench:encryption -- --size-mb ${sizeMiB} --runs ${runs}\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine (shared, noisy), Node ${process.version}, OpenSSL ${process.versions.openssl}.
${sizeMiB} MiB through each stream in 64 KiB pieces, in one process, no disk or network; medians of ${runs} runs, round-robin.
Chunk size 64 KiB (the format's default).

| stream | throughput | time per GiB |
| --- | --- | --- |
| plain pass-through | ${mbps('plain').toFixed(0)} MiB/s | ${(1024 / mbps('plain')).toFixed(2)} s |
| encrypt (AES-256-GCM, chunked) | ${mbps('encrypt').toFixed(0)} MiB/s | ${(1024 / mbps('encrypt')).toFixed(2)} s |
| decrypt (authenticate + AES-256-GCM) | ${mbps('decrypt').toFixed(0)} MiB/s | ${(1024 / mbps('decrypt')).toFixed(2)} s |

Compare with the rate pg_dump produces output in the backup section (its output is smaller than the database):
encryption runs in the same pipeline, on the main thread, so its cost shows there as the encrypted variant's wall time.
`;
const file = await writeBenchSection(findRepoRoot(import.meta.dirname), 'encryption', md);
log(md);
log(`written to ${file}`);
