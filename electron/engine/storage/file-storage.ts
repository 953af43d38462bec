import { randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, link, mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LifeboatError, cancelledError } from '../errors.js';
import type { BackupStorage, IncompleteUploads, StoredObject, UploadOptions } from './storage.js';
import { describeTarget, type FileTarget } from './target.js';

const TEMP_MARK = '.lifeboat-partial-';

/**
 * A local folder laid out like a bucket. Objects are written to a hidden temp file, fsynced, and
 * only then linked to their final name, so a crash or cancel never leaves a half-written backup
 * under a real key. Backups hold production data: files are 0600 and folders 0700.
 */
export class FileStorage implements BackupStorage {
  readonly display: string;

  constructor(private readonly target: FileTarget) {
    this.display = describeTarget(target);
  }

  private pathOf(key: string): string {
    const parts = key.split('/');
    if (parts.some((p) => p === '..' || p === '.' || p === '') || path.isAbsolute(key)) {
      throw new LifeboatError('BAD_INPUT', `"${key}" is not a valid backup key; keys look like database_backups/2025/05/15/db_20250515_031012.dump.`);
    }
    return path.join(this.target.root, ...parts);
  }

  async checkReadable(): Promise<void> {
    try {
      await mkdir(this.target.root, { recursive: true, mode: 0o700 });
      await access(this.target.root, constants.R_OK);
    } catch (e) {
      throw new LifeboatError('STORAGE_ACCESS_DENIED', `Cannot read the backup folder ${this.target.root}: ${(e as Error).message}. Check that it exists and is readable.`, { cause: e });
    }
  }

  async checkWritable(): Promise<void> {
    try {
      await mkdir(this.target.root, { recursive: true, mode: 0o700 });
      await access(this.target.root, constants.W_OK | constants.R_OK);
    } catch (e) {
      throw new LifeboatError('STORAGE_ACCESS_DENIED', `Cannot write to the backup folder ${this.target.root}: ${(e as Error).message}. Choose a folder you can write to.`, { cause: e });
    }
  }

  async upload(key: string, body: Readable, opts: UploadOptions): Promise<void> {
    const finalPath = this.pathOf(key);
    const dir = path.dirname(finalPath);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `${TEMP_MARK}${randomBytes(6).toString('hex')}-${path.basename(finalPath)}`);
    try {
      await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), { signal: opts.signal });
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        // link() fails when the name exists: never overwrite a backup, even in a race.
        await link(tmp, finalPath);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new LifeboatError('KEY_EXISTS', `A backup already exists at ${key}; Lifeboat never overwrites a backup. Try again in a second.`);
        }
        throw e;
      }
    } catch (e) {
      if (opts.signal?.aborted) throw cancelledError('The backup');
      if (e instanceof LifeboatError) throw e;
      throw new LifeboatError('STORAGE_ERROR', `Could not write ${finalPath}: ${(e as Error).message}.`, { cause: e });
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async putSmall(key: string, data: string): Promise<void> {
    const p = this.pathOf(key);
    await mkdir(path.dirname(p), { recursive: true, mode: 0o700 });
    const tmp = `${path.join(path.dirname(p), TEMP_MARK)}${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(tmp, data, { mode: 0o600, flush: true });
      await rename(tmp, p);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new LifeboatError('STORAGE_ERROR', `Could not write ${p}: ${(e as Error).message}.`, { cause: e });
    }
  }

  async getSmall(key: string): Promise<string | null> {
    try {
      return await readFile(this.pathOf(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size, lastModified: s.mtime } : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async download(key: string, opts: { signal?: AbortSignal | undefined; start?: number } = {}): Promise<Readable> {
    const p = this.pathOf(key);
    if (!(await this.head(key))) {
      throw new LifeboatError('NOT_FOUND', `There is no backup ${key} in ${this.display}; run \`lifeboat list\` to see the backups there.`);
    }
    return createReadStream(p, { start: opts.start ?? 0, signal: opts.signal });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const root = this.target.root;
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const walk = async function* (rel: string): AsyncIterable<StoredObject> {
      let entries;
      try {
        entries = await readdir(path.join(root, ...rel.split('/').filter(Boolean)), { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const ent of entries) {
        if (ent.name.startsWith(TEMP_MARK)) continue;
        const key = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || prefix === '') yield* walk(key);
        } else if (ent.isFile() && key.startsWith(prefix)) {
          const s = await stat(path.join(root, ...key.split('/')));
          yield { key, size: s.size, lastModified: s.mtime };
        }
      }
    };
    yield* walk(start);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const k of keys) {
      try {
        await unlink(this.pathOf(k));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }

  /** Partial temp files a crashed process left behind (a clean failure removes its own at once). */
  async cleanupIncompleteUploads(prefix: string, olderThan: Date, dryRun: boolean): Promise<IncompleteUploads> {
    const found: IncompleteUploads['found'] = [];
    const root = this.target.root;
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const ent of entries) {
        const key = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) await walk(path.join(dir, ent.name), key);
        else if (ent.name.startsWith(TEMP_MARK)) {
          const s = await stat(path.join(dir, ent.name));
          if (s.mtime < olderThan) found.push({ key, id: key, startedAt: s.mtime.toISOString() });
        }
      }
    };
    const start = normalizeDir(prefix);
    await walk(path.join(root, ...start.split('/').filter(Boolean)), start);
    let removed = 0;
    if (!dryRun) {
      for (const f of found) {
        await rm(path.join(root, ...f.key.split('/')), { force: true });
        removed++;
      }
    }
    return { supported: true, found, removed, note: null };
  }
}

function normalizeDir(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}
