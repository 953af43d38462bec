import path from 'node:path';
import { z } from 'zod';
import type { TempDatabaseRecord } from '../../../shared/temp-database.js';
import { lifeboatHome } from '../paths.js';
import { JsonStateFile } from '../state/json-state-file.js';

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
 * A damaged file is reported, never reset: a reset would forget databases only Lifeboat may drop.
 */
export class TempRegistry {
  readonly file: string;
  private readonly state: JsonStateFile<typeof registrySchema>;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.file = path.join(lifeboatHome(env), 'temp-databases.json');
    this.state = new JsonStateFile({
      file: this.file,
      schema: registrySchema,
      empty: () => ({ databases: [] }),
      what: 'the list of temporary databases',
      consequence: 'Until then Lifeboat cannot record or drop its temporary databases (`lifeboat temp list` shows what the file holds once it reads).',
    });
  }

  async list(): Promise<TempDatabaseRecord[]> {
    return (await this.state.read()).databases;
  }

  find(records: readonly TempDatabaseRecord[], name: string, server: string): TempDatabaseRecord | undefined {
    return records.find((r) => r.name === name && r.server === server);
  }

  /** The app's scheduled verifications and a DBA's restores may update the registry at the same moment: the state lock orders them. */
  async add(record: TempDatabaseRecord): Promise<void> {
    await this.state.update((r) => {
      r.databases = [...r.databases.filter((x) => !(x.name === record.name && x.server === record.server)), record];
    });
  }

  async remove(name: string, server: string): Promise<void> {
    await this.state.update((r) => {
      r.databases = r.databases.filter((x) => !(x.name === name && x.server === server));
    });
  }
}
