import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { TargetView } from '../../shared/ipc-contract.js';
import { LifeboatError } from '../engine/errors.js';
import { defaultLocalBackupDir, lifeboatHome } from '../engine/paths.js';
import { parsePgConnection } from '../engine/pg/connection.js';
import { parseStorageTarget, type StorageTarget } from '../engine/storage/target.js';

const fileSchema = z.object({
  version: z.literal(1),
  targets: z.array(z.object({ id: z.string(), name: z.string(), dbUrl: z.string(), storageUrl: z.string() })),
});
type StoredTarget = z.infer<typeof fileSchema>['targets'][number];

export interface ResolvedTarget {
  id: string;
  name: string;
  dbUrl: string;
  storageUrl: string;
  password: string | null;
  /** Where its backups go, with whatever credentials the target's store holds. */
  storage: StorageTarget;
}

export interface SaveTargetInput {
  id?: string | undefined;
  name: string;
  dbUrl: string;
  storageUrl: string;
  password?: string | null | undefined;
}

/**
 * The desktop app's own list of databases and where their backups go, in LIFEBOAT_HOME/app-targets.json.
 * It never holds a password: a password typed in the UI (or found inside a URL) is kept in this
 * process's memory only, until the profiles work moves it to the OS keychain.
 */
export class TargetStore {
  private readonly file: string;
  private readonly passwords = new Map<string, string>();
  private cache: StoredTarget[] | null = null;

  constructor(private readonly env: NodeJS.ProcessEnv) {
    this.file = path.join(lifeboatHome(env), 'app-targets.json');
  }

  defaultStorageUrl(): string {
    return pathToFileURL(defaultLocalBackupDir(this.env)).href;
  }

  async list(): Promise<TargetView[]> {
    return (await this.load()).map((t) => this.view(t));
  }

  /** A target with what the engine needs: its password (if held) and its parsed storage. */
  async get(id: string): Promise<ResolvedTarget> {
    const t = (await this.load()).find((x) => x.id === id);
    if (!t) throw new LifeboatError('NOT_FOUND', `There is no database target with id ${id}; it may have been removed. Choose another one.`);
    return { ...t, password: this.passwords.get(id) ?? null, storage: parseStorageTarget(t.storageUrl, this.env) };
  }

  async save(input: SaveTargetInput): Promise<TargetView> {
    const targets = await this.load();
    // A password pasted inside the URL is split off so that the URL can be stored and shown.
    const conn = parsePgConnection(input.dbUrl, {});
    if (!conn.url) throw new LifeboatError('BAD_DATABASE_URL', 'Enter the database URL, e.g. postgresql://user@host:5432/dbname.');
    const storageUrl = input.storageUrl === '' ? this.defaultStorageUrl() : input.storageUrl;
    parseStorageTarget(storageUrl, this.env); // throws a clear BAD_STORAGE_URL
    if (targets.some((t) => t.name === input.name && t.id !== input.id)) {
      throw new LifeboatError('BAD_INPUT', `A target named "${input.name}" already exists; choose another name.`);
    }
    const id = input.id ?? randomUUID();
    const existing = targets.findIndex((t) => t.id === id);
    if (input.id !== undefined && existing < 0) throw new LifeboatError('NOT_FOUND', `There is no database target with id ${id}; it may have been removed.`);
    const stored: StoredTarget = { id, name: input.name, dbUrl: conn.url, storageUrl };
    if (existing >= 0) targets[existing] = stored;
    else targets.push(stored);
    await this.write(targets);
    const password = conn.password ?? input.password;
    if (password === null) this.passwords.delete(id);
    else if (password !== undefined && password !== '') this.passwords.set(id, password);
    return this.view(stored);
  }

  async remove(id: string): Promise<boolean> {
    const targets = await this.load();
    const next = targets.filter((t) => t.id !== id);
    if (next.length === targets.length) return false;
    await this.write(next);
    this.passwords.delete(id);
    return true;
  }

  private view(t: StoredTarget): TargetView {
    return { ...t, hasPassword: this.passwords.has(t.id) };
  }

  private async load(): Promise<StoredTarget[]> {
    if (this.cache) return this.cache;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return (this.cache = []);
      throw new LifeboatError('INTERNAL', `Cannot read ${this.file}: ${(e as Error).message}.`);
    }
    try {
      this.cache = fileSchema.parse(JSON.parse(text)).targets;
    } catch {
      throw new LifeboatError('BAD_INPUT', `${this.file} is damaged; fix or delete it, then add your databases again.`);
    }
    return this.cache;
  }

  private async write(targets: StoredTarget[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ version: 1, targets }, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
    this.cache = targets;
  }
}
