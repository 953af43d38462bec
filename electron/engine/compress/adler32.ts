const BASE = 65521;

/**
 * zlib's adler32_combine: the adler32 of A followed by B, from adler32(A), adler32(B) and B's length.
 * Lets every worker checksum its own piece of a block while the zlib trailer still covers the block.
 */
export function adler32Combine(adler1: number, adler2: number, len2: number): number {
  const rem = len2 % BASE;
  let sum1 = adler1 & 0xffff;
  let sum2 = (rem * sum1) % BASE;
  sum1 += (adler2 & 0xffff) + BASE - 1;
  sum2 += ((adler1 >>> 16) & 0xffff) + ((adler2 >>> 16) & 0xffff) + BASE - rem;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum2 >= BASE * 2) sum2 -= BASE * 2;
  if (sum2 >= BASE) sum2 -= BASE;
  return (sum1 | (sum2 << 16)) >>> 0;
}

/** The two-byte zlib header deflateInit(level) writes: 32 KiB window, level class, check bits. */
export function zlibHeader(level: number): Buffer {
  const levelClass = level < 2 ? 0 : level < 6 ? 1 : level === 6 ? 2 : 3;
  let h = (0x78 << 8) | (levelClass << 6);
  h += 31 - (h % 31);
  return Buffer.from([h >> 8, h & 0xff]);
}
