import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { TempDatabaseRecord } from '../../../shared/temp-database.js';
import { LifeboatError } from '../errors.js';
import { lifeboatHome } from '../paths.js';

const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 30_000;

const recordSchema = z.object({
  name: z.string(),
  server: z.string(),
  serverUrl: z.string().nullable(),
  createdAt: z.string(),
  key: z.string(),
  purpose: z.enum(['restore', 'extract', 'verify']),
  state: z.enum(['restoring', 'ready']).optional(),
  pid: z.number().int().optional(),
  host: z.string().optional(),
  kind: z.enum(['temporary', 'new']).optional(),
});
const registrySchema = z.object({ databases: z.array(recordSchema) });

/**
 * The local record of temporary databases Lifeboat created (LIFEBOAT_HOME/temp-databases.json).
 * `lifeboat temp drop` only drops databases listed here, so it can never drop a DBA's own database.
 */
export class TempRegistry {
  readonly file: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.file = path.join(lifeboatHome(env), 'temp-databases.json');
  }

  async list(): Promise<TempDatabaseRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    try {
      return registrySchema.parse(JSON.parse(text)).databases;
    } catch {
      return [];
    }
  }

  find(records: readonly TempDatabaseRecord[], name: string, server: string): TempDatabaseRecord | undefined {
    return records.find((r) => r.name === name && r.server === server);
  }

  async add(record: TempDatabaseRecord): Promise<void> {
    await this.locked(async () => {
      const all = (await this.list()).filter((r) => !(r.name === record.name && r.server === record.server));
      await this.write([...all, record]);
    });
  }

  /** Marks a database as finished (its restore succeeded). */
  async markReady(name: string, server: string): Promise<void> {
    await this.locked(async () => {
      const all = await this.list();
      await this.write(all.map((r) => (r.name === name && r.server === server ? { ...r, state: 'ready' as const } : r)));
    });
  }

  async remove(name: string, server: string): Promise<void> {
    await this.locked(async () => {
      const all = await this.list();
      const rest = all.filter((r) => !(r.name === name && r.server === server));
      if (rest.length !== all.length) await this.write(rest);
    });
  }

  /**
   * The app's scheduled verifications and a DBA's restores may update the registry at the same
   * moment; a lock file (created exclusively) keeps one read-modify-write from losing another's.
   * A lock older than STALE_LOCK_MS was left by a crashed process and is taken over.
   */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = `${this.file}.lock`;
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > STALE_LOCK_MS) await rm(lock, { force: true });
        else if (Date.now() > deadline) {
          throw new LifeboatError('INTERNAL', `The temporary-database list ${this.file} stayed locked for ${LOCK_WAIT_MS / 1000} s; if no other lifeboat is running, delete ${lock}.`);
        } else await new Promise((r) => setTimeout(r, 25));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }

  private async write(databases: TempDatabaseRecord[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify({ databases }, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, this.file);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
