import type { Readable } from 'node:stream';
import { TAG_BYTES } from '../crypto/format.js';
import { MAX_HEADER_BYTES, chunkDecryptor } from '../crypto/chunk-reader.js';
import type { KeyResolver } from '../crypto/decrypt-stream.js';
import type { BackupStorage } from '../storage/storage.js';
import type { ArchiveIndex, IndexBlock } from './index-file.js';

/**
 * The plaintext bytes of one data block, read with ranged requests: the block's own byte range, or
 * for an encrypted backup the header (for the key) and the whole chunks that hold the block, each
 * opened at its own index. Yields from the block's first byte; the caller checks its dump id.
 */
export async function* readBlockBytes(storage: BackupStorage, key: string, index: ArchiveIndex, block: IndexBlock, resolveKey: KeyResolver, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const length = block.stored.end - block.stored.offset;
  if (!index.encryption) {
    const body = await storage.download(key, { offset: block.stored.offset, length, signal });
    yield* body as AsyncIterable<Buffer>;
    return;
  }
  const head = await readAll(await storage.download(key, { offset: 0, length: MAX_HEADER_BYTES, signal }));
  const dec = await chunkDecryptor(head, resolveKey);
  if (dec.headerBytes !== index.encryption.headerBytes || dec.chunkSize !== index.encryption.chunkSize) throw new Error('the index describes another encryption layout');
  const per = dec.chunkSize + TAG_BYTES;
  let chunkIndex = Math.floor((block.stored.offset - dec.headerBytes) / per);
  let skip = block.archive.offset - chunkIndex * dec.chunkSize;
  const body = await storage.download(key, { offset: block.stored.offset, length, signal });
  let pending: Buffer = Buffer.alloc(0);
  const emit = function* (plain: Buffer): Generator<Buffer> {
    const out = skip > 0 ? plain.subarray(Math.min(skip, plain.length)) : plain;
    skip = Math.max(0, skip - plain.length);
    if (out.length > 0) yield out;
  };
  for await (const piece of body as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? piece : Buffer.concat([pending, piece]);
    while (pending.length >= per) {
      yield* emit(dec.open(pending.subarray(0, per), chunkIndex++));
      pending = pending.subarray(per);
    }
  }
  // The archive's last chunk is shorter than the others.
  if (pending.length > 0) yield* emit(dec.open(pending, chunkIndex));
}

async function readAll(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of body as AsyncIterable<Buffer>) parts.push(p);
  return Buffer.concat(parts);
}
