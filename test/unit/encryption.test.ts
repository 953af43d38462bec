import { randomBytes, randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createDecryptStream, type KeyResolver } from '../../electron/engine/crypto/decrypt-stream.js';
import { createEncryptStream } from '../../electron/engine/crypto/encrypt-stream.js';
import { FIXED_HEADER_BYTES, TAG_BYTES, WRAPPED_KEY_BYTES } from '../../electron/engine/crypto/format.js';
import { decodeRecoveryKey, encodeRecoveryKey, generateMasterKey, type MasterKey } from '../../electron/engine/crypto/master-key.js';

async function collect(source: Buffer, transform: NodeJS.ReadWriteStream, pieceSize = 997): Promise<Buffer> {
  const out: Buffer[] = [];
  const pieces: Buffer[] = [];
  for (let i = 0; i < source.length; i += pieceSize) pieces.push(source.subarray(i, i + pieceSize));
  await pipeline(Readable.from(pieces), transform, async (s: AsyncIterable<Buffer | string>) => {
    for await (const b of s) out.push(Buffer.from(b));
  });
  return Buffer.concat(out);
}

const encrypt = (key: MasterKey, plain: Buffer, chunkSize: number): Promise<Buffer> => collect(plain, createEncryptStream(key, { chunkSize }));
const resolverFor = (key: MasterKey): KeyResolver => (id) => (id === key.id ? key : null);
const decrypt = (key: MasterKey, stored: Buffer, resolve: KeyResolver = resolverFor(key)): Promise<Buffer> => collect(stored, createDecryptStream(resolve), 1499);

const headerBytes = (key: MasterKey): number => FIXED_HEADER_BYTES + Buffer.byteLength(key.id) + WRAPPED_KEY_BYTES;

describe('chunked AES-256-GCM stream', () => {
  const key = generateMasterKey();
  const C = 1024;

  it('round-trips random sizes, including 0 bytes and exact chunk boundaries', async () => {
    const sizes = [0, 1, C - 1, C, C + 1, 2 * C, 3 * C - 1, 3 * C, 5 * C + 7, ...Array.from({ length: 12 }, () => randomInt(0, 20 * C))];
    for (const size of sizes) {
      const plain = randomBytes(size);
      const stored = await encrypt(key, plain, C);
      const full = Math.floor(size / C);
      const expectedChunks = full + (size % C > 0 ? 1 : 0);
      // header + sealed data chunks + the empty end chunk
      expect(stored.length, `size ${size}`).toBe(headerBytes(key) + size + expectedChunks * TAG_BYTES + TAG_BYTES);
      expect((await decrypt(key, stored)).equals(plain), `size ${size}`).toBe(true);
    }
  });

  it('uses a fresh data key and nonce each time (same input, different bytes)', async () => {
    const plain = randomBytes(3000);
    const a = await encrypt(key, plain, C);
    const b = await encrypt(key, plain, C);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(plain.subarray(0, 64))).toBe(false);
  });

  it('round-trips with the default chunk size', async () => {
    const plain = randomBytes(300_000);
    const stored = await collect(plain, createEncryptStream(key), 65_536);
    expect((await decrypt(key, stored)).equals(plain)).toBe(true);
  });

  describe('refuses every kind of damage with its own error', () => {
    const plain = randomBytes(6 * C + 100); // chunks 0..5 full, 6 partial, then the end chunk
    const stored = encrypt(key, plain, C);
    const H = headerBytes(key);
    const S = C + TAG_BYTES;
    const chunk = (b: Buffer, i: number): Buffer => b.subarray(H + i * S, H + (i + 1) * S);

    it('a flipped bit in a chunk', async () => {
      for (const at of [H + 5, H + 3 * S + 200, (await stored).length - TAG_BYTES - 3]) {
        const b = Buffer.from(await stored);
        b[at] = (b[at] as number) ^ 0x04;
        await expect(decrypt(key, b)).rejects.toMatchObject({ code: 'ENCRYPTED_DATA_ALTERED', message: expect.stringMatching(/fails authentication/) });
      }
    });

    it('a flipped bit in the header', async () => {
      const b = Buffer.from(await stored);
      b[12] = (b[12] as number) ^ 0x01; // chunk size field
      await expect(decrypt(key, b)).rejects.toMatchObject({ code: 'ENCRYPTED_HEADER_BAD' });
    });

    it('a truncated tail, cut anywhere (inside a chunk, at a chunk boundary, inside the end chunk)', async () => {
      const s = await stored;
      for (const cut of [1, 10, TAG_BYTES, TAG_BYTES + 1, 100 + 2 * TAG_BYTES, 100 + 2 * TAG_BYTES + S, 2000]) {
        await expect(decrypt(key, s.subarray(0, s.length - cut)), `cut ${cut}`).rejects.toMatchObject({ code: 'ENCRYPTED_DATA_TRUNCATED', message: expect.stringMatching(/truncated/) });
      }
      await expect(decrypt(key, s.subarray(0, 30))).rejects.toMatchObject({ code: 'ENCRYPTED_DATA_TRUNCATED' });
      await expect(decrypt(key, Buffer.alloc(0))).rejects.toMatchObject({ code: 'ENCRYPTED_DATA_TRUNCATED' });
    });

    it('two chunks swapped', async () => {
      const s = await stored;
      const b = Buffer.concat([s.subarray(0, H), chunk(s, 0), chunk(s, 2), chunk(s, 1), s.subarray(H + 3 * S)]);
      expect(b.length).toBe(s.length);
      await expect(decrypt(key, b)).rejects.toMatchObject({ code: 'ENCRYPTED_CHUNKS_REORDERED', message: expect.stringMatching(/out of order/) });
    });

    it('a chunk moved back (duplicated position)', async () => {
      const s = await stored;
      const b = Buffer.concat([s.subarray(0, H), chunk(s, 0), chunk(s, 1), chunk(s, 0), s.subarray(H + 3 * S)]);
      await expect(decrypt(key, b)).rejects.toMatchObject({ code: 'ENCRYPTED_CHUNKS_REORDERED' });
    });

    it('a dropped chunk (in the middle, and the last full one)', async () => {
      const s = await stored;
      const dropMiddle = Buffer.concat([s.subarray(0, H + 2 * S), s.subarray(H + 3 * S)]);
      await expect(decrypt(key, dropMiddle)).rejects.toMatchObject({ code: 'ENCRYPTED_CHUNK_MISSING', message: expect.stringMatching(/Chunk 2 .* is missing/) });
      const dropLastFull = Buffer.concat([s.subarray(0, H + 5 * S), s.subarray(H + 6 * S)]);
      await expect(decrypt(key, dropLastFull)).rejects.toMatchObject({ code: 'ENCRYPTED_CHUNK_MISSING' });
    });

    it('a key that is not in the keychain, and a wrong key', async () => {
      const other = generateMasterKey();
      const s = await stored;
      await expect(decrypt(other, s)).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_MISSING', message: `This backup was encrypted with key ${key.id}, which is not in this keychain.`, hint: { kind: 'import-key' } });
      await expect(decrypt(key, s, () => ({ id: key.id, bytes: other.bytes }))).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_WRONG', message: expect.stringContaining(other.id) });
    });

    it('bytes that are not an encrypted backup at all', async () => {
      await expect(decrypt(key, Buffer.from('PGDMP plain custom archive, not encrypted'))).rejects.toMatchObject({ code: 'ENCRYPTED_HEADER_BAD', message: expect.stringMatching(/LBOATENC/) });
    });
  });
});

describe('recovery keys', () => {
  it('round-trip and keep the key id', () => {
    const key = generateMasterKey();
    const text = encodeRecoveryKey(key);
    expect(text).toMatch(/^LBK1(-[0-9A-F]{4}){17}$/);
    const back = decodeRecoveryKey(` ${text.toLowerCase().replace(/-/g, ' ')}\n`);
    expect(back.id).toBe(key.id);
    expect(back.bytes.equals(key.bytes)).toBe(true);
  });

  it('catch a mistyped group with the checksum', () => {
    const text = encodeRecoveryKey(generateMasterKey());
    const typo = text.slice(0, 10) + (text[10] === 'A' ? 'B' : 'A') + text.slice(11);
    expect(() => decodeRecoveryKey(typo)).toThrow(/checksum/);
    expect(() => decodeRecoveryKey('hello')).toThrow(/not a Lifeboat recovery key/);
    expect(() => decodeRecoveryKey('LBK1-ABCD')).toThrow(/wrong length/);
  });
});
