import type { BackupFormat } from '../../../shared/backup-key.js';
import { COMPRESS_LEVELS, COMPRESS_METHODS, type CompressionSetting, type CompressMethod } from '../../../shared/compression.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import { BlockTextStats } from '../archive/block-text-stats.js';
import { LifeboatError } from '../errors.js';
import { CompressPool, defaultCompressWorkers } from './compress-pool.js';
import { plainSqlMembers, type PlainMembers } from './plain-members.js';
import { rewriteCustomArchive } from './rewrite-custom.js';

/** zlib's level 6 is what pg_dump's default (Z_DEFAULT_COMPRESSION) means. */
export const DEFAULT_COMPRESS_LEVEL = 6;
/** More threads than this only queue behind each other on any workstation. */
export const MAX_COMPRESS_WORKERS = 64;

export interface CompressionChoice {
  /** gzip unless asked: lz4 and zstd are pg_dump's own (16+), none stores the archive as pg_dump -Z0 writes it. */
  method: CompressMethod;
  level: number;
  /** 0: pg_dump compresses, in its own single thread, as before Lifeboat did it in workers. */
  workers: number;
  /** The level came from the user (pg_dump then gets it too when it compresses). */
  levelGiven: boolean;
}

/** The first pg_dump that compresses with lz4 or zstd (`--compress=METHOD[:LEVEL]`, PostgreSQL 16). */
export const PG_DUMP_MAJOR_FOR_LZ4_ZSTD = 16;

const badLevel = (given: string, method: CompressMethod = 'gzip'): LifeboatError => {
  const { min, max } = COMPRESS_LEVELS[method];
  return method === 'gzip'
    ? new LifeboatError('BAD_INPUT', `The compression level "${given}" is not valid; use a whole number from 0 (none) to 9 (smallest), or leave it out for ${DEFAULT_COMPRESS_LEVEL}.`)
    : new LifeboatError('BAD_INPUT', `The compression level "${given}" is not valid for ${method}; use a whole number from ${min} to ${max}, or leave it out for pg_dump's default.`);
};
const badWorkers = (given: string): LifeboatError =>
  new LifeboatError('BAD_INPUT', `The number of compression workers "${given}" is not valid; use a whole number from 1 to ${MAX_COMPRESS_WORKERS}, or 0 to let pg_dump compress.`);

/** A level or worker count as typed on a command line (whole decimal numbers only). */
export function parseCompressOption(raw: string | undefined, which: 'level' | 'workers'): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,3}$/.test(raw.trim())) throw which === 'level' ? badLevel(raw) : badWorkers(raw);
  return Number(raw.trim());
}

/** Checks the method, level and worker count together; one sentence on bad input, before anything runs. */
export function chooseCompression(format: BackupFormat, level: number | undefined, workers: number | undefined, method: CompressMethod = 'gzip'): CompressionChoice {
  if (!COMPRESS_METHODS.includes(method)) throw new LifeboatError('BAD_INPUT', `Unknown compression method "${String(method)}"; use ${COMPRESS_METHODS.join(', ')}.`);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0 || workers > MAX_COMPRESS_WORKERS)) throw badWorkers(String(workers));
  if (method !== 'gzip') return pgDumpOnly(format, level, workers, method);
  if (level !== undefined && (!Number.isInteger(level) || level < 0 || level > 9)) throw badLevel(String(level));
  // Plain SQL at level 0 is fine: Lifeboat writes its gzip members (stored, not deflated) in any case.
  const choice = { method, level: level ?? DEFAULT_COMPRESS_LEVEL, workers: workers ?? defaultCompressWorkers(), levelGiven: level !== undefined };
  return choice;
}

/** lz4, zstd and none: pg_dump alone decides the bytes; Lifeboat's workers only write gzip. */
function pgDumpOnly(format: BackupFormat, level: number | undefined, workers: number | undefined, method: Exclude<CompressMethod, 'gzip'>): CompressionChoice {
  if (format === 'plain') {
    throw new LifeboatError('BAD_INPUT', `Plain backups are always stored gzipped (.sql.gz); ${method === 'none' ? 'storing uncompressed' : method} is for custom-format backups, so choose the custom format or gzip.`);
  }
  if (workers !== undefined && workers > 0) {
    throw new LifeboatError('BAD_INPUT', `Lifeboat's compression workers write gzip only; with ${method} pg_dump ${method === 'none' ? 'writes the archive uncompressed' : 'compresses on its own'}, so leave the number of workers out (or 0), or choose gzip.`);
  }
  const { min, max } = COMPRESS_LEVELS[method];
  if (level !== undefined && method === 'none' && level !== 0) {
    throw new LifeboatError('BAD_INPUT', `A compression level (${level}) means nothing for a backup stored uncompressed; leave the level out, or choose gzip, lz4 or zstd.`);
  }
  if (level !== undefined && (!Number.isInteger(level) || level < min || level > max)) throw badLevel(String(level), method);
  return { method, level: level ?? 0, workers: 0, levelGiven: level !== undefined };
}

/**
 * A profile's or schedule's kept compression, checked as a backup will use it. Workers are the
 * machine's, not the setting's: gzip is checked as workers would write it, so the same setting is
 * valid on every machine.
 */
export function checkCompressionSetting(format: BackupFormat, setting: CompressionSetting): void {
  chooseCompression(format, setting.level ?? undefined, setting.method === 'gzip' ? 1 : 0, setting.method);
}

/** A kept setting as a backup request's fields (nothing when there is none: gzip at the default level). */
export function compressionOf(setting: CompressionSetting | null | undefined): { compressMethod?: CompressMethod; compressLevel?: number } {
  if (!setting) return {};
  return { compressMethod: setting.method, ...(setting.level !== null ? { compressLevel: setting.level } : {}) };
}

/** The oldest pg_dump major that can write this choice (0: any). */
export function pgDumpMajorNeeded(c: CompressionChoice): number {
  return c.method === 'lz4' || c.method === 'zstd' ? PG_DUMP_MAJOR_FOR_LZ4_ZSTD : 0;
}

/** pg_dump's own compression argument: none when Lifeboat compresses. */
export function pgDumpCompressArgs(format: BackupFormat, c: CompressionChoice): string[] {
  if (c.method === 'none') return ['--compress=0'];
  if (c.method !== 'gzip') return [`--compress=${c.method}${c.levelGiven ? `:${c.level}` : ''}`];
  // Plain SQL is always gzipped by Lifeboat, in members cut at COPY blocks (plain-members.ts).
  if (c.workers > 0 || format === 'plain') return ['--compress=0'];
  // Custom keeps pg_dump's default unless a level was given.
  if (c.levelGiven) return [`--compress=${c.level}`];
  return [];
}

export type StreamStage = (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>;

/**
 * The workers and the stream stage that compresses pg_dump's output with them; null when pg_dump
 * compresses, or when a custom archive is to stay uncompressed (level 0 is pg_dump -Z0 as it is).
 * Plain SQL always has a stage (with 0 workers it gzips on Node's thread pool) and `plain` holds
 * the layout of its members once the stream ends, for the index. A custom archive's stage counts
 * each table's rows from the text it compresses (`textStats`), so the index need not inflate them.
 */
export function compressionStage(
  format: BackupFormat,
  c: CompressionChoice,
): { pool: CompressPool | null; stage: StreamStage; plain: PlainMembers | null; textStats: BlockTextStats | null } | null {
  if (format === 'plain') {
    const pool = c.workers > 0 ? new CompressPool(c.workers) : null;
    const plain = plainSqlMembers({ level: c.level, pool });
    return { pool, stage: plain.stage, plain, textStats: null };
  }
  if (c.workers === 0 || c.level === 0) return null;
  const pool = new CompressPool(c.workers);
  const textStats = new BlockTextStats();
  return { pool, stage: rewriteCustomArchive({ level: c.level, pool, textStats }), plain: null, textStats };
}

/** What the manifest records about how the stored bytes were compressed. */
export function compressionRecord(format: BackupFormat, c: CompressionChoice): NonNullable<BackupManifest['compressedBy']> {
  if (c.method === 'lz4' || c.method === 'zstd') return { tool: 'pg_dump', algorithm: c.method, level: c.levelGiven ? c.level : null, workers: 0 };
  if (c.method === 'none') return { tool: 'pg_dump', algorithm: 'none', level: 0, workers: 0 };
  if (format === 'plain') return { tool: 'lifeboat', algorithm: 'gzip', level: c.level, workers: c.workers };
  if (c.workers === 0) return { tool: 'pg_dump', algorithm: 'gzip', level: c.levelGiven ? c.level : null, workers: 0 };
  if (format === 'custom' && c.level === 0) return { tool: 'pg_dump', algorithm: 'none', level: 0, workers: 0 };
  return { tool: 'lifeboat', algorithm: 'gzip', level: c.level, workers: c.workers };
}
