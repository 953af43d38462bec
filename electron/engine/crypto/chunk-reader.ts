import { LifeboatError } from '../errors.js';
import { missingKeyError, openSealed, type KeyResolver } from './decrypt-stream.js';
import { FIXED_HEADER_BYTES, FLAG_DATA, MAX_KEY_ID_BYTES, TAG_BYTES, WRAP_NONCE_BYTES, WRAPPED_KEY_BYTES, chunkNonce, parseHeader } from './format.js';
import { keyIdFor } from './master-key.js';

/** The most bytes an encryption header can take: enough to read it with one ranged request. */
export const MAX_HEADER_BYTES = FIXED_HEADER_BYTES + MAX_KEY_ID_BYTES + WRAPPED_KEY_BYTES;

export interface ChunkDecryptor {
  headerBytes: number;
  chunkSize: number;
  /** Plaintext of sealed data chunk `index`; throws when it does not authenticate at that index. */
  open(sealed: Buffer, index: number): Buffer;
}

/**
 * Random access into an encrypted backup (docs/encryption-format.md): from the header's bytes,
 * resolve the master key, unwrap the data key, then open any data chunk by its index. Each chunk
 * is authenticated with its own index, so a chunk read from the wrong place never passes.
 */
export async function chunkDecryptor(headerStart: Buffer, resolveKey: KeyResolver): Promise<ChunkDecryptor> {
  const h = parseHeader(headerStart);
  if (!h) throw new LifeboatError('ENCRYPTED_DATA_TRUNCATED', 'The encrypted backup ends inside its header: the file was cut short.');
  const master = await resolveKey(h.keyId);
  if (!master) throw missingKeyError(h.keyId);
  if (keyIdFor(master.bytes) !== h.keyId) throw new LifeboatError('ENCRYPTION_KEY_WRONG', `This backup was encrypted with key ${h.keyId}, but the key given is another: use the key the backup names.`);
  const dataKey = openSealed(master.bytes, h.wrappedKey.subarray(0, WRAP_NONCE_BYTES), h.wrapAad, h.wrappedKey.subarray(WRAP_NONCE_BYTES));
  if (!dataKey) throw new LifeboatError('ENCRYPTED_HEADER_BAD', `The encryption header of this backup is damaged: its data key does not open with key ${h.keyId}.`);
  return {
    headerBytes: h.bytes.length,
    chunkSize: h.chunkSize,
    open(sealed, index) {
      const plain = sealed.length > TAG_BYTES ? openSealed(dataKey, chunkNonce(h.noncePrefix, index, FLAG_DATA), h.bytes, sealed) : null;
      if (!plain) throw new LifeboatError('ENCRYPTED_DATA_ALTERED', `Chunk ${index} of this encrypted backup does not authenticate: the backup was altered or damaged.`);
      return plain;
    },
  };
}
