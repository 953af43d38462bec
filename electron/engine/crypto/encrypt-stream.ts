import { createCipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import {
  DATA_KEY_BYTES, DEFAULT_CHUNK_SIZE, FLAG_DATA, FLAG_END, MAX_CHUNK_SIZE, NONCE_PREFIX_BYTES, WRAP_NONCE_BYTES,
  buildHeaderPrefix, chunkNonce,
} from './format.js';
import type { MasterKey } from './master-key.js';

/** AES-256-GCM of one piece: ciphertext followed by its 16-byte tag. */
export function sealChunk(key: Buffer, nonce: Buffer, aad: Buffer, plain: Buffer): Buffer[] {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const body = plain.length > 0 ? c.update(plain) : Buffer.alloc(0);
  const last = c.final();
  return last.length > 0 ? [body, last, c.getAuthTag()] : [body, c.getAuthTag()];
}

/**
 * Encrypts a stream in the Lifeboat format (docs/encryption-format.md): a header naming the master
 * key and carrying the per-backup data key wrapped by it, then fixed-size chunks each sealed with
 * AES-256-GCM under a nonce holding the chunk's index, then an empty end chunk. Memory stays at
 * about one chunk whatever the size of the dump.
 */
export class EncryptStream extends Transform {
  private readonly dataKey = randomBytes(DATA_KEY_BYTES);
  private readonly noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
  private readonly header: Buffer;
  private readonly chunkSize: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;

  constructor(masterKey: MasterKey, opts: { chunkSize?: number } = {}) {
    super();
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1 || this.chunkSize > MAX_CHUNK_SIZE) {
      throw new RangeError(`chunk size must be 1..${MAX_CHUNK_SIZE}`);
    }
    const prefix = buildHeaderPrefix(this.chunkSize, this.noncePrefix, masterKey.id);
    const wrapNonce = randomBytes(WRAP_NONCE_BYTES);
    const wrapped = sealChunk(masterKey.bytes, wrapNonce, prefix, this.dataKey);
    this.header = Buffer.concat([prefix, wrapNonce, ...wrapped]);
    this.push(this.header);
  }

  /** Where each plaintext byte lands in the stored object (for the archive index's ranges). */
  get layout(): { headerBytes: number; chunkSize: number } {
    return { headerBytes: this.header.length, chunkSize: this.chunkSize };
  }

  private seal(plain: Buffer, flag: number, out: Buffer[]): void {
    if (this.index > 0xffffffff) throw new RangeError('too many chunks for one backup');
    out.push(...sealChunk(this.dataKey, chunkNonce(this.noncePrefix, this.index, flag), this.header, plain));
    this.index++;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.chunkSize) {
      cb();
      return;
    }
    try {
      const all = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
      const out: Buffer[] = [];
      let at = 0;
      // Every full chunk can go at once: data chunks never carry the end flag (the end chunk does).
      for (; all.length - at >= this.chunkSize; at += this.chunkSize) this.seal(all.subarray(at, at + this.chunkSize), FLAG_DATA, out);
      const rest = all.subarray(at);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
      cb(null, Buffer.concat(out));
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      const out: Buffer[] = [];
      if (this.pendingBytes > 0) this.seal(Buffer.concat(this.pending, this.pendingBytes), FLAG_DATA, out);
      this.seal(Buffer.alloc(0), FLAG_END, out);
      this.pending = [];
      this.dataKey.fill(0);
      cb(null, Buffer.concat(out));
    } catch (e) {
      cb(e as Error);
    }
  }
}

export function createEncryptStream(masterKey: MasterKey, opts: { chunkSize?: number } = {}): EncryptStream {
  return new EncryptStream(masterKey, opts);
}
