import { randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, link, mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LifeboatError, cancelledError } from '../errors.js';
import { describeFsError } from './fs-errors.js';
import type { BackupStorage, IncompleteUpload, IncompleteUploadListing, ReadRange, StoredObject, UploadOptions, SmallWriteOptions } from './storage.js';
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
      throw describeFsError(e, `backup folder ${this.target.root}`, 'read');
    }
  }

  async checkWritable(): Promise<void> {
    try {
      await mkdir(this.target.root, { recursive: true, mode: 0o700 });
      await access(this.target.root, constants.W_OK | constants.R_OK);
    } catch (e) {
      throw describeFsError(e, `backup folder ${this.target.root}`, 'write to');
    }
  }

  /** A hidden temp file beside the final name; its name keeps the key it was meant for. */
  private tempFor(finalPath: string): string {
    return path.join(path.dirname(finalPath), `${TEMP_MARK}${randomBytes(6).toString('hex')}-${path.basename(finalPath)}`);
  }

  /** link(2) fails when the name exists, so two writers racing for one key get exactly one success. */
  private async linkCreateOnly(tmp: string, finalPath: string, key: string): Promise<void> {
    try {
      await link(tmp, finalPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new LifeboatError('KEY_EXISTS', `${key} already exists in ${this.display}; Lifeboat never overwrites a backup, its manifest or its claim.`);
      }
      throw e;
    }
  }

  async upload(key: string, body: Readable, opts: UploadOptions): Promise<void> {
    const finalPath = this.pathOf(key);
    const tmp = this.tempFor(finalPath);
    try {
      await mkdir(path.dirname(finalPath), { recursive: true, mode: 0o700 });
      if (await this.head(key)) {
        throw new LifeboatError('KEY_EXISTS', `A backup already exists at ${key}; Lifeboat never overwrites a backup. Try again in a second.`);
      }
      await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), { signal: opts.signal });
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.linkCreateOnly(tmp, finalPath, key);
    } catch (e) {
      body.destroy();
      if (opts.signal?.aborted) throw cancelledError('The backup');
      throw describeFsError(e, finalPath, 'write');
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async putSmall(key: string, data: string, opts: SmallWriteOptions): Promise<void> {
    const p = this.pathOf(key);
    const tmp = this.tempFor(p);
    try {
      await mkdir(path.dirname(p), { recursive: true, mode: 0o700 });
      await writeFile(tmp, data, { mode: 0o600, flush: true });
      if (opts.mode === 'create') await this.linkCreateOnly(tmp, p, key);
      else await rename(tmp, p);
    } catch (e) {
      throw describeFsError(e, p, 'write');
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async getSmall(key: string): Promise<string | null> {
    const p = this.pathOf(key);
    try {
      return await readFile(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw describeFsError(e, p, 'read');
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    const p = this.pathOf(key);
    try {
      const s = await stat(p);
      return s.isFile() ? { key, size: s.size, lastModified: s.mtime } : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw describeFsError(e, p, 'read');
    }
  }

  async download(key: string, opts: ReadRange & { signal?: AbortSignal | undefined } = {}): Promise<Readable> {
    const p = this.pathOf(key);
    if (!(await this.head(key))) {
      throw new LifeboatError('NOT_FOUND', `There is no backup ${key} in ${this.display}.`, { hint: { kind: 'list-backups' } });
    }
    const start = opts.offset ?? 0;
    if (opts.length === 0) return Readable.from([]);
    const end = opts.length === undefined ? undefined : start + opts.length - 1;
    return createReadStream(p, { start, ...(end === undefined ? {} : { end }), signal: opts.signal });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const root = this.target.root;
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const walk = async function* (rel: string): AsyncIterable<StoredObject> {
      const dir = path.join(root, ...rel.split('/').filter(Boolean));
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw describeFsError(e, `folder ${dir}`, 'list');
      }
      // Key order, as S3 lists: a folder sorts by its name plus '/'.
      const sortName = (ent: { name: string; isDirectory(): boolean }): string => (ent.isDirectory() ? `${ent.name}/` : ent.name);
      entries.sort((a, b) => (sortName(a) < sortName(b) ? -1 : sortName(a) > sortName(b) ? 1 : 0));
      for (const ent of entries) {
        if (ent.name.startsWith(TEMP_MARK)) continue;
        const key = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || prefix === '') yield* walk(key);
        } else if (ent.isFile() && key.startsWith(prefix)) {
          try {
            const s = await stat(path.join(root, ...key.split('/')));
            yield { key, size: s.size, lastModified: s.mtime };
          } catch (e) {
            // Deleted between readdir and stat (a concurrent prune): it is simply gone.
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw describeFsError(e, key, 'list');
          }
        }
      }
    };
    yield* walk(start);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const k of keys) {
      const p = this.pathOf(k);
      try {
        await unlink(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw describeFsError(e, p, 'delete');
      }
    }
  }

  /** Partial temp files a killed process left behind (a clean failure removes its own at once). */
  async listIncompleteUploads(prefix: string): Promise<IncompleteUploadListing> {
    const uploads: IncompleteUpload[] = [];
    const root = this.target.root;
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw describeFsError(e, `folder ${dir}`, 'list');
      }
      for (const ent of entries) {
        const relPath = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) await walk(path.join(dir, ent.name), relPath);
        else if (ent.name.startsWith(TEMP_MARK)) {
          const s = await stat(path.join(dir, ent.name)).catch(() => null);
          const meantFor = ent.name.slice(TEMP_MARK.length).replace(/^[0-9a-f]+-/, '');
          if (s) uploads.push({ key: rel ? `${rel}/${meantFor}` : meantFor, id: relPath, startedAt: s.mtime.toISOString() });
        }
      }
    };
    const start = normalizeDir(prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '');
    await walk(path.join(root, ...start.split('/').filter(Boolean)), start);
    return { supported: true, uploads: uploads.filter((u) => u.key.startsWith(prefix)), note: null };
  }

  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    const parts = upload.id.split('/');
    if (!(parts[parts.length - 1] ?? '').startsWith(TEMP_MARK)) {
      throw new LifeboatError('BAD_INPUT', `"${upload.id}" is not one of Lifeboat's partial files; nothing was removed.`);
    }
    const p = this.pathOf(upload.id);
    await rm(p, { force: true }).catch((e: unknown) => {
      throw describeFsError(e, p, 'remove');
    });
  }
}

function normalizeDir(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}
