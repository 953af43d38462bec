import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { TempDatabaseRecord } from '../../../shared/temp-database.js';
import { lifeboatHome } from '../paths.js';

const recordSchema = z.object({
  name: z.string(),
  server: z.string(),
  serverUrl: z.string().nullable(),
  createdAt: z.string(),
  key: z.string(),
  purpose: z.enum(['restore', 'extract', 'verify']),
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
    const all = (await this.list()).filter((r) => !(r.name === record.name && r.server === record.server));
    await this.write([...all, record]);
  }

  async remove(name: string, server: string): Promise<void> {
    const all = await this.list();
    const rest = all.filter((r) => !(r.name === name && r.server === server));
    if (rest.length !== all.length) await this.write(rest);
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
