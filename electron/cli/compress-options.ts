import { Option } from 'commander';
import { COMPRESS_METHODS, type CompressionChange, type CompressMethod } from '../../shared/compression.js';
import { parseCompressOption } from '../engine/compress/backup-compression.js';

/** `--compress-method`: commander itself refuses anything but the four methods, naming them. */
export function compressMethodOption(what: string): Option {
  return new Option('--compress-method <method>', what).choices(COMPRESS_METHODS);
}

/** What `--compress-method` and `--compress-level` ask to change; undefined when neither was given. */
export function compressionChangeFrom(method: CompressMethod | undefined, levelText: string | undefined): CompressionChange | undefined {
  if (method === undefined && levelText === undefined) return undefined;
  const level = parseCompressOption(levelText, 'level');
  return { ...(method !== undefined ? { method } : {}), ...(level !== undefined ? { level } : {}) };
}
