import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { matchesFilter, type ActivityEntry, type ActivityFilter } from '../../../shared/activity.js';
import { lifeboatHome } from '../paths.js';
import { scrubSecrets } from '../redact.js';
import { withFileLock } from '../state/file-lock.js';

export interface ActivityLogOptions {
  /** Folder holding activity.jsonl and its rotated predecessors. */
  dir: string;
  /** Rotate when the current file passes this size. */
  maxBytes?: number;
  /** How many rotated files to keep (activity.1.jsonl is the newest of them). */
  keepFiles?: number;
}

const FILE = 'activity.jsonl';

export function activityLogDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(lifeboatHome(env), 'activity');
}

// Anything that looks like a credential-bearing URL or key=value secret is masked before writing,
// in case a caller passed raw text from a driver or a child process.
function clean(text: string, secrets: readonly string[]): string {
  return scrubSecrets(text, secrets)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s@]+@/gi, '$1***:***@')
    .replace(/\b(password|secret|token|sig|signature|x-amz-signature|dsn)=([^\s&]+)/gi, '$1=***');
}

export type NewActivity = Omit<ActivityEntry, 'id' | 'durationMs'> & { id?: string };

/**
 * An append-only JSON-lines log, one line per operation. Appends are single writes of one line
 * (O_APPEND), so the CLI, the scheduler and the app can write to it at the same time.
 */
export class ActivityLog {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keepFiles: number;

  constructor(private readonly opts: ActivityLogOptions, private readonly secrets: readonly string[] = []) {
    this.file = path.join(opts.dir, FILE);
    this.maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
    this.keepFiles = opts.keepFiles ?? 5;
  }

  static forEnv(env: NodeJS.ProcessEnv = process.env): ActivityLog {
    return new ActivityLog({ dir: activityLogDir(env) });
  }

  async append(entry: NewActivity): Promise<ActivityEntry> {
    const full: ActivityEntry = {
      ...entry,
      id: entry.id ?? randomUUID(),
      durationMs: Math.max(0, new Date(entry.endedAt).getTime() - new Date(entry.startedAt).getTime()),
      storage: entry.storage === null ? null : clean(entry.storage, this.secrets),
      summary: clean(entry.summary, this.secrets),
      error: entry.error ? { code: entry.error.code, message: clean(entry.error.message, this.secrets) } : null,
      details: Object.fromEntries(Object.entries(entry.details).map(([k, v]) => [k, typeof v === 'string' ? clean(v, this.secrets) : v])),
    };
    await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
    await this.rotateIfNeeded();
    await appendFile(this.file, `${JSON.stringify(full)}\n`, { mode: 0o600 });
    return full;
  }

  private async rotateIfNeeded(): Promise<void> {
    let size = 0;
    try {
      size = (await stat(this.file)).size;
    } catch {
      return;
    }
    if (size < this.maxBytes) return;
    // Two processes rotating at once would shift the old files twice and delete one that was
    // still kept; the state lock makes one of them rotate, and the other sees a small file.
    await withFileLock(`${this.file}.lock`, async () => {
      const now = await stat(this.file).catch(() => null);
      if (now && now.size >= this.maxBytes) await this.rotate();
    });
  }

  private async rotate(): Promise<void> {
    await rm(this.rotated(this.keepFiles), { force: true });
    for (let i = this.keepFiles - 1; i >= 1; i--) {
      await rename(this.rotated(i), this.rotated(i + 1)).catch(() => undefined);
    }
    await rename(this.file, this.rotated(1)).catch(() => undefined);
  }

  private rotated(i: number): string {
    return path.join(this.opts.dir, `activity.${i}.jsonl`);
  }

  /** Every entry matching the filter, oldest first, across rotated files. Damaged lines are skipped. */
  async read(filter: ActivityFilter = {}): Promise<ActivityEntry[]> {
    const files = [...Array.from({ length: this.keepFiles }, (_, i) => this.rotated(this.keepFiles - i)), this.file];
    const out: ActivityEntry[] = [];
    for (const f of files) {
      let text: string;
      try {
        text = await readFile(f, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          const e = JSON.parse(line) as ActivityEntry;
          if (matchesFilter(e, filter)) out.push(e);
        } catch {
          /* a torn last line after a crash */
        }
      }
    }
    return out.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  }
}

/** Turns any thrown value into the log's error shape (code + one sentence). */
export function errorForLog(e: unknown): { code: string; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  return { code: typeof err?.code === 'string' ? err.code : 'INTERNAL', message: typeof err?.message === 'string' ? err.message : String(e) };
}

export function outcomeOf(e: unknown): 'cancelled' | 'failure' {
  return (e as { code?: unknown })?.code === 'CANCELLED' ? 'cancelled' : 'failure';
}
