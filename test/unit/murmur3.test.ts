// MurmurHash3_x86_128, seed 0, against values from the murmurhash3js-revisited package (x86.hash128,
// a port of Appleby's reference) and the widely quoted vector for "The quick brown fox…".
import { describe, expect, it } from 'vitest';
import { murmur3x86_128 } from '../../electron/engine/archive/murmur3.js';

const hex = (text: string | Buffer, start?: number, end?: number): string => {
  const out = new Uint32Array(4);
  const b = typeof text === 'string' ? Buffer.from(text) : text;
  murmur3x86_128(b, out, start, end);
  return Array.from(out, (x) => x.toString(16).padStart(8, '0')).join('');
};

describe('murmur3x86_128', () => {
  it('gives the reference values for every tail length and whole blocks', () => {
    expect(hex('')).toBe('00000000000000000000000000000000');
    expect(hex('a')).toBe('a794933c5556b01b5556b01b5556b01b');
    expect(hex('ab')).toBe('158451df25be301025be301025be3010');
    expect(hex('abc')).toBe('75cdc6d1a2b006a5a2b006a5a2b006a5');
    expect(hex('abcd')).toBe('96b6ccaa45afc62e45afc62e45afc62e');
    expect(hex('abcde')).toBe('c5402efb5d24c5bc5a7201775a720177');
    expect(hex('0123456789abcdef')).toBe('fb7d440936aed30a48ad1d9b572b3bfd');
    expect(hex('0123456789abcdef0')).toBe('1f8a385560920c06b5182f1c718c0b9c');
    expect(hex('The quick brown fox jumps over the lazy dog')).toBe('2f1583c3ecee2c675d7bf66ce5e91d2c');
    expect(hex('1\t\\N\t\\x00ff\t{"a": 1}')).toBe('64846bfb8e8ba1b156241a43f1573fdd');
  });

  it('hashes a slice of a larger buffer as the same bytes on their own', () => {
    const whole = Buffer.from('xxThe quick brown fox jumps over the lazy dogyy');
    expect(hex(whole, 2, whole.length - 2)).toBe('2f1583c3ecee2c675d7bf66ce5e91d2c');
  });
});
