import type { BackupFormat } from '../../../shared/backup-key.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import { LifeboatError } from '../errors.js';
import { CompressPool, defaultCompressWorkers } from './compress-pool.js';
import { plainSqlMembers, type PlainMembers } from './plain-members.js';
import { rewriteCustomArchive } from './rewrite-custom.js';

/** zlib's level 6 is what pg_dump's default (Z_DEFAULT_COMPRESSION) means. */
export const DEFAULT_COMPRESS_LEVEL = 6;
/** More threads than this only queue behind each other on any workstation. */
export const MAX_COMPRESS_WORKERS = 64;

export interface CompressionChoice {
  level: number;
  /** 0: pg_dump compresses, in its own single thread, as before Lifeboat did it in workers. */
  workers: number;
  /** The level came from the user (pg_dump then gets it too when it compresses). */
  levelGiven: boolean;
}

const badLevel = (given: string): LifeboatError =>
  new LifeboatError('BAD_INPUT', `The compression level "${given}" is not valid; use a whole number from 0 (none) to 9 (smallest), or leave it out for ${DEFAULT_COMPRESS_LEVEL}.`);
const badWorkers = (given: string): LifeboatError =>
  new LifeboatError('BAD_INPUT', `The number of compression workers "${given}" is not valid; use a whole number from 1 to ${MAX_COMPRESS_WORKERS}, or 0 to let pg_dump compress.`);

/** A level or worker count as typed on a command line (whole decimal numbers only). */
export function parseCompressOption(raw: string | undefined, which: 'level' | 'workers'): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,3}$/.test(raw.trim())) throw which === 'level' ? badLevel(raw) : badWorkers(raw);
  return Number(raw.trim());
}

/** Checks the compression level and worker count; one sentence on bad input. */
export function chooseCompression(format: BackupFormat, level: number | undefined, workers: number | undefined): CompressionChoice {
  if (level !== undefined && (!Number.isInteger(level) || level < 0 || level > 9)) throw badLevel(String(level));
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0 || workers > MAX_COMPRESS_WORKERS)) throw badWorkers(String(workers));
  const choice = { level: level ?? DEFAULT_COMPRESS_LEVEL, workers: workers ?? defaultCompressWorkers(), levelGiven: level !== undefined };
  return choice;
}

/** pg_dump's own compression argument: none when Lifeboat compresses. */
export function pgDumpCompressArgs(format: BackupFormat, c: CompressionChoice): string[] {
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
 * the layout of its members once the stream ends, for the index.
 */
export function compressionStage(format: BackupFormat, c: CompressionChoice): { pool: CompressPool | null; stage: StreamStage; plain: PlainMembers | null } | null {
  if (format === 'plain') {
    const pool = c.workers > 0 ? new CompressPool(c.workers) : null;
    const plain = plainSqlMembers({ level: c.level, pool });
    return { pool, stage: plain.stage, plain };
  }
  if (c.workers === 0 || c.level === 0) return null;
  const pool = new CompressPool(c.workers);
  return { pool, stage: rewriteCustomArchive({ level: c.level, pool }), plain: null };
}

/** What the manifest records about how the stored bytes were compressed. */
export function compressionRecord(format: BackupFormat, c: CompressionChoice): NonNullable<BackupManifest['compressedBy']> {
  if (format === 'plain') return { tool: 'lifeboat', algorithm: 'gzip', level: c.level, workers: c.workers };
  if (c.workers === 0) return { tool: 'pg_dump', algorithm: 'gzip', level: c.levelGiven ? c.level : null, workers: 0 };
  if (format === 'custom' && c.level === 0) return { tool: 'pg_dump', algorithm: 'none', level: 0, workers: 0 };
  return { tool: 'lifeboat', algorithm: 'gzip', level: c.level, workers: c.workers };
}
