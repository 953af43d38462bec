import path from 'node:path';
import { z } from 'zod';
import { lifeboatCacheDir } from '../paths.js';
import { JsonStateFile } from '../state/json-state-file.js';

/**
 * The versions of the PostgreSQL tools found on this machine, by real path, remembered with the
 * file's size, modification time and inode: every command used to run `pg_dump --version` on each
 * copy it found (and Debian's Perl wrapper twice), a tenth of a second or more before any work.
 * A file that changed in any of those is probed again. Only a cache: a damaged file is ignored and
 * rewritten, never an error.
 */
const entrySchema = z.object({ size: z.number(), mtimeMs: z.number(), ino: z.number(), version: z.string(), major: z.number().int() });
const cacheSchema = z.object({ formatVersion: z.literal(1), tools: z.record(z.string(), entrySchema) });

export type ToolFileStamp = Pick<z.infer<typeof entrySchema>, 'size' | 'mtimeMs' | 'ino'>;
export type ToolVersion = { version: string; major: number };

export class ToolVersionCache {
  private tools: Record<string, z.infer<typeof entrySchema>> | null = null;
  private changed = false;
  private readonly file: JsonStateFile<typeof cacheSchema>;

  constructor(file: string) {
    this.file = new JsonStateFile({ file, schema: cacheSchema, empty: () => ({ formatVersion: 1 as const, tools: {} }), what: 'the tool version cache' });
  }

  static forEnv(env: NodeJS.ProcessEnv): ToolVersionCache {
    return new ToolVersionCache(path.join(lifeboatCacheDir(env), 'tool-versions.json'));
  }

  async lookup(realPath: string, stamp: ToolFileStamp): Promise<ToolVersion | null> {
    this.tools ??= await this.file.read().then((c) => c.tools, () => ({}));
    const hit = this.tools[realPath];
    return hit && hit.size === stamp.size && hit.mtimeMs === stamp.mtimeMs && hit.ino === stamp.ino ? { version: hit.version, major: hit.major } : null;
  }

  remember(realPath: string, stamp: ToolFileStamp, v: ToolVersion): void {
    (this.tools ??= {})[realPath] = { ...stamp, ...v };
    this.changed = true;
  }

  /** Saves what was learnt; a failure to save only means probing again next time. */
  async save(): Promise<void> {
    if (!this.changed || !this.tools) return;
    this.changed = false;
    await this.file.write({ formatVersion: 1, tools: this.tools }).catch(() => undefined);
  }
}
