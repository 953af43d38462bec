import { createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { LifeboatError } from '../errors.js';
import { FLAG_DATA, FLAG_END, TAG_BYTES, WRAP_NONCE_BYTES, chunkNonce, parseHeader, type EncryptionHeader } from './format.js';
import { keyIdFor, type MasterKey } from './master-key.js';

/** Finds the master key a backup names in its header (normally: the keychain). */
export type KeyResolver = (keyId: string) => Promise<MasterKey | null> | MasterKey | null;

export function missingKeyError(keyId: string): LifeboatError {
  return new LifeboatError(
    'ENCRYPTION_KEY_MISSING',
    `This backup was encrypted with key ${keyId}, which is not in this keychain.`,
    { hint: { kind: 'import-key' } },
  );
}

/** AES-256-GCM open of ciphertext||tag; null when it does not authenticate. */
export function openSealed(key: Buffer, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < TAG_BYTES) return null;
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = sealed.length > TAG_BYTES ? d.update(sealed.subarray(0, sealed.length - TAG_BYTES)) : Buffer.alloc(0);
  try {
    const last = d.final();
    return last.length > 0 ? Buffer.concat([body, last]) : body;
  } catch {
    return null;
  }
}

/** How far from its expected position a misplaced chunk is looked for when telling why a chunk failed. */
const SEARCH_WINDOW = 256;

/**
 * Decrypts the Lifeboat format (docs/encryption-format.md) as it streams. Every chunk is checked
 * before its plaintext goes on, and each way a stored backup can be wrong has its own error:
 * unknown key, wrong key, damaged header, altered chunk, chunks out of order, a missing chunk, a
 * truncated end. Plaintext of the chunks before a failure has already gone downstream: consumers
 * must treat a failed stream's output as garbage and remove it (the decrypt command does).
 */
export class DecryptStream extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private header: EncryptionHeader | null = null;
  private dataKey: Buffer | null = null;
  /** Index of the next chunk expected. */
  private index = 0;
  /** A chunk found ahead of its place: decided on seeing the next one (reordered or dropped). */
  private suspect: { position: number; found: number } | null = null;
  /** The master key id, once the header was read. */
  keyId: string | null = null;

  constructor(private readonly resolveKey: KeyResolver) {
    super();
  }

  private takeBytes(n: number): Buffer {
    const all = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return head;
  }

  private peekAll(): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = all.length > 0 ? [all] : [];
    return all;
  }

  private storedOffset(position: number): number {
    return (this.header?.bytes.length ?? 0) + position * ((this.header?.chunkSize ?? 0) + TAG_BYTES);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.header) {
      this.drain(cb);
      return;
    }
    let header: EncryptionHeader | null;
    try {
      header = parseHeader(this.peekAll());
    } catch (e) {
      cb(e as Error);
      return;
    }
    if (!header) {
      cb();
      return;
    }
    const h = header;
    Promise.resolve(this.resolveKey(h.keyId)).then(
      (key) => {
        try {
          this.unwrap(h, key);
          this.takeBytes(h.bytes.length);
          this.drain(cb);
        } catch (e) {
          cb(e as Error);
        }
      },
      (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))),
    );
  }

  private unwrap(h: EncryptionHeader, key: MasterKey | null): void {
    this.keyId = h.keyId;
    if (!key) throw missingKeyError(h.keyId);
    const actual = keyIdFor(key.bytes);
    if (actual !== h.keyId) {
      throw new LifeboatError('ENCRYPTION_KEY_WRONG', `This backup was encrypted with key ${h.keyId}, but the key given is ${actual}: use the key the backup names.`);
    }
    const dataKey = openSealed(key.bytes, h.wrappedKey.subarray(0, WRAP_NONCE_BYTES), h.wrapAad, h.wrappedKey.subarray(WRAP_NONCE_BYTES));
    if (!dataKey) {
      throw new LifeboatError('ENCRYPTED_HEADER_BAD', `The encryption header of this backup is damaged: its data key does not open with key ${h.keyId}, which the header names. The backup cannot be decrypted.`);
    }
    this.header = h;
    this.dataKey = dataKey;
  }

  private open(sealed: Buffer, index: number, flag: number): Buffer | null {
    const h = this.header as EncryptionHeader;
    return openSealed(this.dataKey as Buffer, chunkNonce(h.noncePrefix, index, flag), h.bytes, sealed);
  }

  /** The index a misplaced chunk was sealed with, or null when it opens under none nearby. */
  private findIndex(sealed: Buffer, position: number): number | null {
    for (let d = 1; d <= SEARCH_WINDOW; d++) {
      for (const j of [position + d, position - d]) {
        if (j >= 0 && j <= 0xffffffff && this.open(sealed, j, FLAG_DATA)) return j;
      }
    }
    return null;
  }

  private altered(position: number, length: number): LifeboatError {
    const at = this.storedOffset(position);
    return new LifeboatError(
      'ENCRYPTED_DATA_ALTERED',
      `Chunk ${position} of this encrypted backup (stored bytes ${at} to ${at + length - 1}) fails authentication: the backup was altered or damaged after it was written, and nothing decrypted from it can be trusted.`,
    );
  }

  /** Decides a pending misplacement with the chunk that follows it (or the end of the stream). */
  private decideSuspect(next: Buffer | null): LifeboatError {
    const s = this.suspect as { position: number; found: number };
    const k = next ? this.findIndex(next, s.position + 1) ?? (this.open(next, s.position, FLAG_DATA) ? s.position : null) : null;
    if (k !== null && k < s.found) {
      return new LifeboatError(
        'ENCRYPTED_CHUNKS_REORDERED',
        `The chunks of this encrypted backup are out of order (chunk ${s.found} is stored at position ${s.position}, before chunk ${k}): the file was rearranged after it was written and cannot be trusted.`,
      );
    }
    return new LifeboatError(
      'ENCRYPTED_CHUNK_MISSING',
      `Chunk ${s.position} of this encrypted backup is missing (chunk ${s.found} follows chunk ${s.position - 1}): part of the file was removed after it was written.`,
    );
  }

  private checkChunk(sealed: Buffer, out: Buffer[]): LifeboatError | null {
    if (this.suspect) return this.decideSuspect(sealed);
    const plain = this.open(sealed, this.index, FLAG_DATA);
    if (plain) {
      out.push(plain);
      this.index++;
      return null;
    }
    const found = this.findIndex(sealed, this.index);
    if (found === null) return this.altered(this.index, sealed.length);
    if (found < this.index) {
      return new LifeboatError(
        'ENCRYPTED_CHUNKS_REORDERED',
        `The chunks of this encrypted backup are out of order (chunk ${found} is stored again at position ${this.index}): the file was rearranged after it was written and cannot be trusted.`,
      );
    }
    this.suspect = { position: this.index, found };
    return null;
  }

  private drain(cb: TransformCallback): void {
    const h = this.header as EncryptionHeader;
    const sealedSize = h.chunkSize + TAG_BYTES;
    const out: Buffer[] = [];
    // A full chunk is certainly a data chunk once at least the end chunk's 16 bytes follow it.
    while (this.pendingBytes >= sealedSize + TAG_BYTES) {
      const err = this.checkChunk(this.takeBytes(sealedSize), out);
      if (err) {
        cb(err);
        return;
      }
    }
    cb(null, out.length > 0 ? Buffer.concat(out) : undefined);
  }

  override _flush(cb: TransformCallback): void {
    try {
      cb(null, this.finish());
    } catch (e) {
      cb(e as Error);
    } finally {
      this.dataKey?.fill(0);
    }
  }

  private finish(): Buffer {
    if (!this.header) {
      if (this.pendingBytes === 0) throw new LifeboatError('ENCRYPTED_DATA_TRUNCATED', 'The encrypted backup is empty: nothing was stored, or the download was cut off.');
      // parseHeader throws for bytes that are not a header; here they were a valid start, cut short.
      throw new LifeboatError('ENCRYPTED_DATA_TRUNCATED', 'The encrypted backup ends inside its header: the file was cut short.');
    }
    const rest = this.takeBytes(this.pendingBytes);
    const middle = rest.subarray(0, Math.max(0, rest.length - TAG_BYTES));
    if (this.suspect) throw this.decideSuspect(middle.length > 0 ? middle : null);
    const truncated = new LifeboatError(
      'ENCRYPTED_DATA_TRUNCATED',
      `The encrypted backup is truncated: it ends after ${this.storedOffset(this.index) + rest.length} bytes without its authenticated end chunk (the file was cut short, or its last bytes damaged).`,
    );
    if (rest.length < TAG_BYTES) throw truncated;
    const endTag = rest.subarray(rest.length - TAG_BYTES);
    if (middle.length === 0) {
      if (!this.open(endTag, this.index, FLAG_END)) throw truncated;
      return Buffer.alloc(0);
    }
    const plain = this.open(middle, this.index, FLAG_DATA);
    if (!plain) {
      const found = this.findIndex(middle, this.index);
      if (found !== null) {
        this.suspect = { position: this.index, found };
        throw this.decideSuspect(null);
      }
      // A chunk cut in the middle cannot authenticate, and neither can what should be the end chunk.
      if (!this.open(endTag, this.index + 1, FLAG_END)) throw truncated;
      throw this.altered(this.index, middle.length);
    }
    if (!this.open(endTag, this.index + 1, FLAG_END)) throw truncated;
    this.index++;
    return plain;
  }
}

/** The decrypting transform the restore engine and `lifeboat decrypt` put after the download. */
export function createDecryptStream(resolveKey: KeyResolver): DecryptStream {
  return new DecryptStream(resolveKey);
}
