import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { formatBytes } from '../../../shared/progress.js';
import { LifeboatError, cancelledError } from '../errors.js';
import { lifeboatHome } from '../paths.js';
import type { BackupSource } from './backup-source.js';
import { describeStreamError, openBackupStream, type BackupStreamTransform } from './backup-stream.js';
import { processAlive } from './interrupted.js';

/** Where restores keep a local copy of a backup: BACKUP_DIR (as in the seed), else LIFEBOAT_HOME/tmp. */
export function scratchDir(env: NodeJS.ProcessEnv): string {
  return env.BACKUP_DIR ? path.resolve(env.BACKUP_DIR) : path.join(lifeboatHome(env), 'tmp');
}

/**
 * Scratch files carry their host and process id (lifeboat-restore-HOST-PID-RANDOM.dump), so the
 * next run can tell the copy of a killed run from the copy a concurrent run is still using.
 */
export function scratchName(kind: 'restore' | 'toc', ext: string): string {
  return `lifeboat-${kind}-${hostTag()}-${process.pid}-${randomBytes(6).toString('hex')}${ext}`;
}

function hostTag(): string {
  return os.hostname().replace(/[^A-Za-z0-9]/g, '') || 'host';
}

const SCRATCH_FILE = /^lifeboat-(?:restore|toc)-([A-Za-z0-9]+)-(\d+)-[0-9a-f]{12}(?:\.[a-z.]+)?$/;

/**
 * Removes the scratch copies of runs that died without cleaning up (kill -9, power loss): files of
 * this host whose process is gone. Never another live run's, nor anything else in BACKUP_DIR.
 */
export async function removeDeadScratch(env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = scratchDir(env);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = SCRATCH_FILE.exec(name);
    if (!m || m[1] !== hostTag()) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    await rm(path.join(dir, name), { force: true }).then(() => removed.push(name), () => undefined);
  }
  return removed;
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
  const file = path.join(dir, scratchName('restore', source.parsed.format === 'plain' ? (source.parsed.gzip ? '.sql.gz' : '.sql') : '.dump'));
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
