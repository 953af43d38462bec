import type { Readable } from 'node:stream';
import { TAG_BYTES } from '../crypto/format.js';
import { MAX_HEADER_BYTES, chunkDecryptor } from '../crypto/chunk-reader.js';
import type { KeyResolver } from '../crypto/decrypt-stream.js';
import type { BackupStorage } from '../storage/storage.js';
import type { ArchiveIndex, IndexBlock } from './index-file.js';

/** The first window of a progressive read, and the largest. */
const FIRST_WINDOW = 256 * 1024;
const MAX_WINDOW = 8 * 1024 * 1024;

/**
 * Bytes [offset, end) of the object: one ranged request, or — `progressive`, for a reader that may
 * stop early (the first rows of a table) — windows that double from 256 KiB to 8 MiB, each a
 * multiple of `align` (whole encrypted chunks), so stopping early leaves the rest unrequested
 * rather than in flight.
 */
async function* rangeOf(storage: BackupStorage, key: string, offset: number, end: number, opts: { progressive: boolean; align: number; signal?: AbortSignal | undefined }): AsyncGenerator<Buffer> {
  if (!opts.progressive) {
    yield* (await storage.download(key, { offset, length: end - offset, signal: opts.signal })) as AsyncIterable<Buffer>;
    return;
  }
  let window = FIRST_WINDOW;
  for (let at = offset; at < end; window = Math.min(window * 2, MAX_WINDOW)) {
    const size = Math.max(opts.align, Math.floor(window / opts.align) * opts.align);
    const length = Math.min(size, end - at);
    yield* (await storage.download(key, { offset: at, length, signal: opts.signal })) as AsyncIterable<Buffer>;
    at += length;
  }
}

/**
 * The plaintext bytes of one data block, read with ranged requests: the block's own byte range, or
 * for an encrypted backup the header (for the key) and the whole chunks that hold the block, each
 * opened at its own index. Yields from the block's first byte; the caller checks its dump id.
 * `progressive` suits a reader that stops early (see rangeOf).
 */
export async function* readBlockBytes(
  storage: BackupStorage,
  key: string,
  index: Pick<ArchiveIndex, 'encryption'>,
  block: Pick<IndexBlock, 'archive' | 'stored'>,
  resolveKey: KeyResolver,
  signal?: AbortSignal,
  opts: { progressive?: boolean } = {},
): AsyncGenerator<Buffer> {
  const progressive = opts.progressive ?? false;
  if (!index.encryption) {
    yield* rangeOf(storage, key, block.stored.offset, block.stored.end, { progressive, align: 1, signal });
    return;
  }
  const head = await readAll(await storage.download(key, { offset: 0, length: MAX_HEADER_BYTES, signal }));
  const dec = await chunkDecryptor(head, resolveKey);
  if (dec.headerBytes !== index.encryption.headerBytes || dec.chunkSize !== index.encryption.chunkSize) throw new Error('the index describes another encryption layout');
  const per = dec.chunkSize + TAG_BYTES;
  let chunkIndex = Math.floor((block.stored.offset - dec.headerBytes) / per);
  let skip = block.archive.offset - chunkIndex * dec.chunkSize;
  const body = rangeOf(storage, key, block.stored.offset, block.stored.end, { progressive, align: per, signal });
  let pending: Buffer = Buffer.alloc(0);
  const emit = function* (plain: Buffer): Generator<Buffer> {
    const out = skip > 0 ? plain.subarray(Math.min(skip, plain.length)) : plain;
    skip = Math.max(0, skip - plain.length);
    if (out.length > 0) yield out;
  };
  for await (const piece of body) {
    pending = pending.length === 0 ? piece : Buffer.concat([pending, piece]);
    while (pending.length >= per) {
      yield* emit(dec.open(pending.subarray(0, per), chunkIndex++));
      pending = pending.subarray(per);
    }
  }
  // The archive's last chunk is shorter than the others.
  if (pending.length > 0) yield* emit(dec.open(pending, chunkIndex));
}

/**
 * Plaintext bytes [range.archive.offset, range.archive.end), read with ranged requests: exactly the
 * range, also when it is stored encrypted (whole chunks, the last of which runs past its end).
 */
export async function* archiveRange(
  storage: BackupStorage,
  key: string,
  index: Pick<ArchiveIndex, 'encryption'>,
  range: Pick<IndexBlock, 'archive' | 'stored'>,
  resolveKey: KeyResolver,
  signal?: AbortSignal,
  opts: { progressive?: boolean } = {},
): AsyncGenerator<Buffer> {
  let left = range.archive.end - range.archive.offset;
  for await (const piece of readBlockBytes(storage, key, index, range, resolveKey, signal, opts)) {
    if (left <= 0) break;
    const out = piece.length > left ? piece.subarray(0, left) : piece;
    left -= out.length;
    yield out;
  }
}

async function readAll(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of body as AsyncIterable<Buffer>) parts.push(p);
  return Buffer.concat(parts);
}
