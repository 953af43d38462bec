// The byte format of an encrypted backup; docs/encryption-format.md describes the same thing for
// anyone writing a decryptor without Lifeboat. Change one, change the other.
import { LifeboatError } from '../errors.js';

export const MAGIC = Buffer.from('LBOATENC', 'ascii');
export const FORMAT_VERSION = 1;
export const ALGORITHM_AES_256_GCM_CHUNKED = 1;
/** The name written in manifests. */
export const ALGORITHM_NAME = 'lifeboat-aes-256-gcm-chunked-v1';
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const TAG_BYTES = 16;
export const NONCE_PREFIX_BYTES = 7;
export const WRAP_NONCE_BYTES = 12;
export const DATA_KEY_BYTES = 32;
export const WRAPPED_KEY_BYTES = WRAP_NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES;
/** magic(8) version(1) algorithm(1) chunk size(4) nonce prefix(7) key id length(1). */
export const FIXED_HEADER_BYTES = 22;
export const MAX_KEY_ID_BYTES = 64;

export const FLAG_DATA = 0;
export const FLAG_END = 1;

export interface EncryptionHeader {
  chunkSize: number;
  noncePrefix: Buffer;
  keyId: string;
  wrappedKey: Buffer;
  /** Every header byte: the AAD of every chunk, so changing any of them fails authentication. */
  bytes: Buffer;
  /** The bytes the wrapped key is authenticated with: everything before it. */
  wrapAad: Buffer;
}

export function buildHeaderPrefix(chunkSize: number, noncePrefix: Buffer, keyId: string): Buffer {
  const id = Buffer.from(keyId, 'utf8');
  if (id.length === 0 || id.length > MAX_KEY_ID_BYTES) throw new LifeboatError('INTERNAL', 'Key ids have 1 to 64 bytes.');
  const fixed = Buffer.alloc(FIXED_HEADER_BYTES);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt8(FORMAT_VERSION, 8);
  fixed.writeUInt8(ALGORITHM_AES_256_GCM_CHUNKED, 9);
  fixed.writeUInt32BE(chunkSize, 10);
  noncePrefix.copy(fixed, 14);
  fixed.writeUInt8(id.length, 21);
  return Buffer.concat([fixed, id]);
}

/** The 12-byte GCM nonce of chunk `index`: nonce prefix, index (big-endian), flag. */
export function chunkNonce(noncePrefix: Buffer, index: number, flag: number): Buffer {
  const n = Buffer.alloc(12);
  noncePrefix.copy(n, 0);
  n.writeUInt32BE(index, NONCE_PREFIX_BYTES);
  n.writeUInt8(flag, 11);
  return n;
}

function headerError(why: string): LifeboatError {
  return new LifeboatError('ENCRYPTED_HEADER_BAD', `This is not a readable Lifeboat encrypted backup: ${why}.`);
}

/**
 * Parses the header from the start of the stream; returns null while more bytes are needed.
 * Throws when the bytes cannot be a header of a version this build reads.
 */
export function parseHeader(buf: Buffer): EncryptionHeader | null {
  const seen = Math.min(buf.length, MAGIC.length);
  if (!buf.subarray(0, seen).equals(MAGIC.subarray(0, seen))) throw headerError('it does not start with LBOATENC (it may not be encrypted, or not by Lifeboat)');
  if (buf.length < FIXED_HEADER_BYTES) return null;
  const version = buf.readUInt8(8);
  if (version !== FORMAT_VERSION) throw headerError(`its format version is ${version}, and this Lifeboat reads version ${FORMAT_VERSION}; use a newer Lifeboat`);
  const algorithm = buf.readUInt8(9);
  if (algorithm !== ALGORITHM_AES_256_GCM_CHUNKED) throw headerError(`it names algorithm ${algorithm}, which this Lifeboat does not know`);
  const chunkSize = buf.readUInt32BE(10);
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) throw headerError(`its chunk size ${chunkSize} is outside 1 byte to 16 MiB (the header is damaged)`);
  const idLength = buf.readUInt8(21);
  if (idLength < 1 || idLength > MAX_KEY_ID_BYTES) throw headerError('its key id length is invalid (the header is damaged)');
  const total = FIXED_HEADER_BYTES + idLength + WRAPPED_KEY_BYTES;
  if (buf.length < total) return null;
  const bytes = Buffer.from(buf.subarray(0, total));
  return {
    chunkSize,
    noncePrefix: bytes.subarray(14, 14 + NONCE_PREFIX_BYTES),
    keyId: bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + idLength).toString('utf8'),
    wrappedKey: bytes.subarray(FIXED_HEADER_BYTES + idLength),
    bytes,
    wrapAad: bytes.subarray(0, FIXED_HEADER_BYTES + idLength),
  };
}

/** Whether the bytes begin like an encrypted backup (for recognising files without a manifest). */
export function looksEncrypted(start: Buffer): boolean {
  return start.length >= MAGIC.length && start.subarray(0, MAGIC.length).equals(MAGIC);
}
