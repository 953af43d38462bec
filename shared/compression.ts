// How a backup's stored bytes are compressed, as a profile or a schedule keeps it: pure data shared
// by the engine, the CLI and the app.
import { z } from 'zod';

/**
 * gzip: Lifeboat's workers (or pg_dump on its own thread); lz4 and zstd: pg_dump 16 or newer
 * compresses, single-threaded (Lifeboat's workers write gzip only); none: stored uncompressed.
 */
export const COMPRESS_METHODS = ['gzip', 'lz4', 'zstd', 'none'] as const;
export type CompressMethod = (typeof COMPRESS_METHODS)[number];

/** The levels pg_dump accepts per method (PostgreSQL's common/compression.c; zstd's fast negative levels left out). */
export const COMPRESS_LEVELS: Record<CompressMethod, { min: number; max: number }> = {
  gzip: { min: 0, max: 9 },
  lz4: { min: 1, max: 12 },
  zstd: { min: 1, max: 22 },
  none: { min: 0, max: 0 },
};

export const compressionSettingSchema = z.object({
  method: z.enum(COMPRESS_METHODS),
  /** null: the method's default (gzip 6, as pg_dump's default; lz4 and zstd: pg_dump's own). */
  level: z.number().int().min(0).max(22).nullable(),
});
export type CompressionSetting = z.infer<typeof compressionSettingSchema>;

/** A change asked for: a method, a level, or both. */
export interface CompressionChange {
  method?: CompressMethod;
  level?: number;
}

/**
 * The setting after a change: a level given alone applies to the method in force, a method given
 * alone takes its own default level (a gzip level means nothing to zstd).
 */
export function mergeCompression(current: CompressionSetting | null | undefined, change: CompressionChange): CompressionSetting {
  const method = change.method ?? current?.method ?? 'gzip';
  const level = change.level ?? (change.method === undefined ? (current?.level ?? null) : null);
  return { method, level };
}
