import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { LifeboatError } from '../errors.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';

export interface JsonStateFileOptions<S extends z.ZodType> {
  file: string;
  schema: S;
  /** The value of a file that does not exist yet. */
  empty: () => z.output<S>;
  /** What the file is, for messages: "the automation settings file". */
  what: string;
  /** What to do about a damaged file, after "fix it by hand or move it aside". */
  consequence?: string;
  /** The top-level number field holding the format version, and the newest this Lifeboat reads. */
  version?: { field: string; current: number };
  lock?: Pick<FileLockOptions, 'waitMs' | 'isAlive'>;
}

/**
 * The one way Lifeboat keeps local state (config, automation settings, scheduler state, the
 * temporary-database registry): a JSON file bound to a zod schema.
 * - read: a missing file is the empty value; anything unreadable, unparsable or invalid is a
 *   STATE_DAMAGED error naming the file and what to do. Never a silent reset: a reset would forget
 *   profiles, schedules or the temporary databases Lifeboat may drop.
 * - write: validated, then atomic (temp file in the same folder, fsync, rename, fsync the folder),
 *   owner-only.
 * - update: read-modify-write under a lock that other processes honour too.
 */
export class JsonStateFile<S extends z.ZodType> {
  readonly file: string;

  constructor(private readonly opts: JsonStateFileOptions<S>) {
    this.file = opts.file;
  }

  async read(): Promise<z.output<S>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.opts.empty();
      throw new LifeboatError('STATE_DAMAGED', `${cap(this.opts.what)} ${this.file} cannot be read (${(e as Error).message}); check its permissions. Lifeboat left it untouched.`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.damaged(text.trim() === '' ? 'it is empty' : 'it is not valid JSON');
    }
    const v = this.opts.version;
    const found = v && json !== null && typeof json === 'object' ? (json as Record<string, unknown>)[v.field] : undefined;
    if (v && typeof found === 'number' && found > v.current) {
      throw new LifeboatError('STATE_DAMAGED', `${cap(this.opts.what)} ${this.file} has schema version ${found}, written by a newer Lifeboat; upgrade Lifeboat to use it (it was left untouched).`);
    }
    const parsed = this.opts.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw this.damaged(`${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  /** Validates, then replaces the file atomically. */
  async write(value: z.output<S>): Promise<void> {
    const parsed = this.opts.schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LifeboatError('BAD_INPUT', `Lifeboat refused to save ${this.opts.what} ${this.file}: ${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}. The file was left as it was.`);
    }
    await writeAtomically(this.file, `${JSON.stringify(parsed.data, null, 2)}\n`, this.opts.what);
  }

  /** Read, change (in place, or return nothing), write — with no other writer in between. */
  async update<R>(change: (value: z.output<S>) => R | Promise<R>): Promise<R> {
    return withFileLock(
      `${this.file}.lock`,
      async () => {
        const value = await this.read();
        const before = JSON.stringify(value);
        const result = await change(value);
        // An unchanged value is not rewritten (a missing file stays missing).
        if (JSON.stringify(value) !== before) await this.write(value);
        return result;
      },
      { ...this.opts.lock, what: `${cap(this.opts.what)} ${this.file}` },
    );
  }

  private damaged(why: string): LifeboatError {
    const after = this.opts.consequence ? ` ${this.opts.consequence}` : '';
    return new LifeboatError('STATE_DAMAGED', `${cap(this.opts.what)} ${this.file} is damaged (${why}); Lifeboat left it untouched and never resets it: fix it by hand or move it aside.${after}`);
  }
}

async function writeAtomically(file: string, data: string, what: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new LifeboatError('STATE_WRITE_FAILED', `Could not save ${what} ${file}: ${(e as Error).message}. It was left as it was.`);
  }
  // The rename is durable only once the folder itself is synced (not possible on Windows).
  if (process.platform !== 'win32') {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
