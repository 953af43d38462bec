import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { formatBytes } from '../../../shared/progress.js';
import { LifeboatError, cancelledError } from '../errors.js';
import { lifeboatHome } from '../paths.js';
import type { BackupSource } from './backup-source.js';
import { describeStreamError, openBackupStream, type BackupStreamTransform } from './backup-stream.js';

/** Where restores keep a local copy of a backup: BACKUP_DIR (as in the seed), else LIFEBOAT_HOME/tmp. */
export function scratchDir(env: NodeJS.ProcessEnv): string {
  return env.BACKUP_DIR ? path.resolve(env.BACKUP_DIR) : path.join(lifeboatHome(env), 'tmp');
}

export interface ScratchFile {
  path: string;
  remove(): Promise<void>;
}

/** Refuses early, before downloading, when the folder cannot hold the copy (plus 5% and 64 MiB to spare). */
export async function ensureFreeSpace(dir: string, bytes: number): Promise<void> {
  const s = await statfs(dir);
  const free = Number(s.bavail) * Number(s.bsize);
  const need = Math.ceil(bytes * 1.05) + 64 * 1024 ** 2;
  if (free < need) {
    throw new LifeboatError('NOT_ENOUGH_SPACE', `A local copy of the backup needs ${formatBytes(need)} in ${dir}, but only ${formatBytes(free)} is free; free some space or point BACKUP_DIR at a larger folder.`);
  }
}

/**
 * Downloads the backup through the common pipeline (integrity check, transforms) into a private
 * file. The file exists only once every byte arrived and matched the manifest; on any failure it
 * is removed. Plain backups stay gzipped here and are fully test-unzipped before use, so a later
 * restore from the copy cannot meet a damaged stream halfway.
 */
export async function downloadToScratch(
  source: BackupSource,
  opts: { env: NodeJS.ProcessEnv; transforms?: readonly BackupStreamTransform[] | undefined; signal?: AbortSignal | undefined; onBytes?: (n: number) => void },
): Promise<ScratchFile> {
  const dir = scratchDir(opts.env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await ensureFreeSpace(dir, source.sizeBytes);
  const file = path.join(dir, `lifeboat-restore-${randomBytes(6).toString('hex')}${source.parsed.format === 'plain' ? (source.parsed.gzip ? '.sql.gz' : '.sql') : '.dump'}`);
  const remove = async (): Promise<void> => rm(file, { force: true });
  try {
    const { stream } = await openBackupStream(source, { gunzip: false, transforms: opts.transforms, signal: opts.signal, onBytes: opts.onBytes });
    await pipeline(stream, createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal: opts.signal });
    if (source.parsed.gzip) {
      await pipeline(createReadStream(file), createGunzip(), async (src: AsyncIterable<Buffer>) => {
        for await (const chunk of src) void chunk;
      }, { signal: opts.signal });
    }
    return { path: file, remove };
  } catch (e) {
    await remove();
    if (opts.signal?.aborted) throw cancelledError('The restore');
    if (e instanceof LifeboatError) throw e;
    throw describeStreamError(e, source.key);
  }
}
