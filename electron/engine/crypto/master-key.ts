import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LifeboatError } from '../errors.js';

/**
 * A profile's master key: 32 random bytes kept in the OS keychain. It never encrypts data itself;
 * it wraps the random data key each backup gets (envelope encryption), so one key can be exported,
 * kept offline and imported again without touching any backup.
 */
export interface MasterKey {
  id: string;
  bytes: Buffer;
}

export const MASTER_KEY_BYTES = 32;
const ID_CONTEXT = Buffer.from('lifeboat key id v1\0', 'utf8');
const RECOVERY_PREFIX = 'LBK1';

/**
 * The id is a fingerprint of the key (not a random label): a backup's header names the one key
 * that opens it, and a different key presented under that id is recognised as the wrong key.
 */
export function keyIdFor(bytes: Buffer): string {
  return `lbk_${createHash('sha256').update(ID_CONTEXT).update(bytes).digest('hex').slice(0, 16)}`;
}

export const KEY_ID_PATTERN = /^lbk_[0-9a-f]{16}$/;

export function generateMasterKey(): MasterKey {
  const bytes = randomBytes(MASTER_KEY_BYTES);
  return { id: keyIdFor(bytes), bytes };
}

export function masterKeyFromBytes(bytes: Buffer): MasterKey {
  if (bytes.length !== MASTER_KEY_BYTES) throw new LifeboatError('BAD_INPUT', `An encryption key has ${MASTER_KEY_BYTES} bytes; this one has ${bytes.length}.`);
  return { id: keyIdFor(bytes), bytes };
}

function checksum(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, 2);
}

/**
 * The recovery key the user writes down: "LBK1-" then the 32 key bytes and a 2-byte checksum in
 * upper-case hex, in groups of four. The checksum catches a mistyped group before the key is used.
 */
export function encodeRecoveryKey(key: MasterKey): string {
  const hex = Buffer.concat([key.bytes, checksum(key.bytes)]).toString('hex').toUpperCase();
  return [RECOVERY_PREFIX, ...(hex.match(/.{4}/g) ?? [])].join('-');
}

export function decodeRecoveryKey(text: string): MasterKey {
  const compact = text.trim().replace(/[\s-]/g, '').toUpperCase();
  if (!compact.startsWith(RECOVERY_PREFIX)) {
    throw new LifeboatError('BAD_INPUT', 'That is not a Lifeboat recovery key; it starts with LBK1- (as printed by `lifeboat key export`).');
  }
  const hex = compact.slice(RECOVERY_PREFIX.length);
  if (!/^[0-9A-F]{68}$/.test(hex)) {
    throw new LifeboatError('BAD_INPUT', 'That recovery key has the wrong length or characters; it has 17 groups of four characters 0-9 and A-F after LBK1.');
  }
  const all = Buffer.from(hex, 'hex');
  const bytes = all.subarray(0, MASTER_KEY_BYTES);
  if (!timingSafeEqual(all.subarray(MASTER_KEY_BYTES), checksum(bytes))) {
    throw new LifeboatError('BAD_INPUT', 'That recovery key does not match its checksum: a group was mistyped; compare it with the copy you kept.');
  }
  return masterKeyFromBytes(Buffer.from(bytes));
}
