import { describe, expect, it } from 'vitest';
import { MAX_PARTS, MAX_PART_SIZE, MAX_SUPPORTED_DUMP, MIB, MIN_PART_SIZE, choosePartSize, maxObjectSize } from '../../electron/engine/storage/part-size.js';

describe('multipart part size', () => {
  it('stays small for small databases, above the S3 5 MiB minimum', () => {
    expect(choosePartSize(10 * MIB)).toBe(MIN_PART_SIZE);
    expect(MIN_PART_SIZE).toBeGreaterThanOrEqual(5 * MIB);
  });

  it('grows so that twice the expected size fits in 10,000 parts', () => {
    for (const size of [50 * 1024 ** 3, 500 * 1024 ** 3, 2 * 1000 ** 4]) {
      const part = choosePartSize(size);
      expect(maxObjectSize(part)).toBeGreaterThanOrEqual(size * 2);
      expect(part % MIB).toBe(0);
    }
  });

  it('lets a 5 TB dump fit under the part limit, and an unknown size too', () => {
    expect(Math.ceil(MAX_SUPPORTED_DUMP / choosePartSize(MAX_SUPPORTED_DUMP))).toBeLessThanOrEqual(MAX_PARTS);
    expect(Math.ceil(MAX_SUPPORTED_DUMP / choosePartSize(null))).toBeLessThanOrEqual(MAX_PARTS);
  });

  it('never exceeds the S3 5 GiB part maximum', () => {
    expect(choosePartSize(1000 * 1000 ** 4)).toBe(MAX_PART_SIZE);
  });

  it('the lib-storage default of 5 MiB would cap an object near 48.8 GiB', () => {
    expect((5 * MIB * MAX_PARTS) / 1024 ** 3).toBeCloseTo(48.8, 1);
  });
});
