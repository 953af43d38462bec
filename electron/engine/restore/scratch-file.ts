import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { formatBytes } from '../../../shared/progress.js';
import { LifeboatError, cancelledError } from '../errors.js';
import { lifeboatHome } from '../paths.js';
import type { BackupSource } from './backup-source.js';
import { describeStreamError, openBackupStream, type BackupStreamTransform } from './backup-stream.js';
import { processAlive } from '../jobs/process-alive.js';

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
  /** The first bytes of the restorable data (decrypted, still gzipped), for the archive header. */
  head: Buffer;
  /** Plain SQL: whether the text ends with pg_dump's completion line; null for archives. */
  plainComplete: boolean | null;
  /** SHA-256 of the stored bytes (checked against the manifest when there is one). */
  sha256: string;
  remove(): Promise<void>;
}

/** pg_dump writes this line last; a plain dump without it stopped before the end. */
export const PLAIN_DUMP_COMPLETE = '-- PostgreSQL database dump complete';
export const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 4096;

/**
 * Whether a plain dump's text ends with pg_dump's completion line — followed only by the comment
 * fence, blank lines and (pg_dump 13.22/14.19/15.14/16.10/17.6 and later) its `\unrestrict` line.
 */
export function endsWithDumpComplete(tail: string): boolean {
  const lines = tail
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== '--' && !/^\\unrestrict [A-Za-z0-9]+$/.test(l));
  return lines[lines.length - 1] === PLAIN_DUMP_COMPLETE;
}

/** Keeps the first bytes that pass, for reading the archive header without a second download. */
export class HeadCapture extends Transform {
  private readonly parts: Buffer[] = [];
  private size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.size < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.size);
      this.parts.push(Buffer.from(part));
      this.size += part.length;
    }
    cb(null, chunk);
  }

  get head(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** The last few KiB of a text stream read to its end. */
export async function tailOf(src: AsyncIterable<Buffer>): Promise<string> {
  let tail = Buffer.alloc(0);
  for await (const chunk of src) tail = Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
  return tail.toString('utf8');
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
 * file — the one read of the stored object a restore, extract or verification makes: the archive
 * header, the table of contents and the data are all read from this copy. The file exists only
 * once every byte arrived and matched the manifest; on any failure it is removed. Plain backups
 * stay gzipped here and are fully test-unzipped (their end read for pg_dump's completion line),
 * so a later restore from the copy cannot meet a damaged or cut-off stream halfway.
 */
export async function downloadToScratch(
  source: BackupSource,
  opts: { env: NodeJS.ProcessEnv; transforms?: readonly BackupStreamTransform[] | undefined; signal?: AbortSignal | undefined; onBytes?: (n: number) => void; what?: string },
): Promise<ScratchFile> {
  const dir = scratchDir(opts.env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await ensureFreeSpace(dir, source.sizeBytes);
  const file = path.join(dir, scratchName('restore', source.parsed.format === 'plain' ? (source.parsed.gzip ? '.sql.gz' : '.sql') : '.dump'));
  const remove = async (): Promise<void> => rm(file, { force: true });
  try {
    const { stream, integrity } = await openBackupStream(source, { gunzip: false, transforms: opts.transforms, signal: opts.signal, onBytes: opts.onBytes });
    const capture = new HeadCapture();
    await pipeline(stream, capture, createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal: opts.signal });
    let plainComplete: boolean | null = null;
    if (source.parsed.gzip) {
      const tail = await pipeline(createReadStream(file), createGunzip(), tailOf, { signal: opts.signal });
      if (source.parsed.format === 'plain') plainComplete = endsWithDumpComplete(tail);
    } else if (source.parsed.format === 'plain') {
      const size = (await stat(file)).size;
      plainComplete = endsWithDumpComplete(await tailOf(createReadStream(file, { start: Math.max(0, size - TAIL_BYTES) })));
    }
    return { path: file, head: capture.head, plainComplete, sha256: integrity.sha256 ?? '', remove };
  } catch (e) {
    await remove();
    if (opts.signal?.aborted) throw cancelledError(opts.what ?? 'The restore');
    if (e instanceof LifeboatError) throw e;
    throw describeStreamError(e, source.key);
  }
}
