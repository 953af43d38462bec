// S3 multipart uploads allow at most 10,000 parts of 5 MiB to 5 GiB. lib-storage's default 5 MiB
// part caps an object near 48.8 GiB; a fixed huge part would cost memory on every small backup.
// So the part grows with the expected dump size, with twice the expected size as headroom.

export const MIB = 1024 * 1024;
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 8 * MIB;
export const MAX_PART_SIZE = 5 * 1024 * MIB;
/** The largest dump Lifeboat promises to upload: 5 TB. */
export const MAX_SUPPORTED_DUMP = 5 * 1000 ** 4;

/**
 * The part size for a stream expected to be about `expectedBytes` long (the database's on-disk
 * size: a dump is nearly always smaller). Unknown sizes get parts large enough for 5 TB.
 */
export function choosePartSize(expectedBytes: number | null): number {
  const target = expectedBytes === null || !Number.isFinite(expectedBytes) ? MAX_SUPPORTED_DUMP : Math.max(0, expectedBytes) * 2;
  const needed = Math.ceil(target / (MAX_PARTS - 1) / MIB) * MIB;
  return Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, needed));
}

export function maxObjectSize(partSize: number): number {
  return partSize * MAX_PARTS;
}
