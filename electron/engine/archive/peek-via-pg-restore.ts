// Peek for archives whose data blocks Lifeboat cannot decompress itself: lz4 and zstd (pg_dump 16+;
// Node 20's zlib has neither, and no decoder is bundled). The backup streams into
// `pg_restore --data-only` for the one table, which decompresses it and prints the table's COPY
// text; the first rows are read from that and pg_restore is stopped once they are in. No server,
// no temporary database: the same answer as the reader gives for gzip archives, at a stream's cost.
import type { Readable } from 'node:stream';
import { LifeboatError, cancelledError } from '../errors.js';
import { spawnTool, summarizeStderr } from '../jobs/child-process.js';
import { selectRestoreTool } from '../restore/restore-tools.js';

export interface PgRestorePeek {
  /** The plain archive (decrypted), from its first byte. */
  body: Readable;
  schema: string;
  table: string;
  limit: number;
  /** The pg_dump that wrote it (from the archive header), so a pg_restore that can read it is chosen. */
  pgDumpMajor: number | null;
  pgDumpVersion: string | null;
  pgBinDir?: string | undefined;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

/** The first `limit` COPY lines of the table (and whether there were more), as pg_restore prints them. */
export async function firstRowsViaPgRestore(req: PgRestorePeek): Promise<{ lines: string[]; truncated: boolean }> {
  const tool = await selectRestoreTool('pg_restore', req.pgDumpMajor, req.pgDumpVersion, req.pgBinDir, req.env);
  // No filename: pg_restore reads the archive from stdin; --file=- prints the script to stdout.
  const running = spawnTool(tool.path, ['--data-only', `--schema=${req.schema}`, `--table=${req.table}`, '--file=-'], req.env, { dieWithParent: true });
  const { child } = running;
  const lines: string[] = [];
  let inCopy = false;
  let done = false;
  let truncated = false;
  let partial = '';
  const stop = (): void => {
    if (done) return;
    done = true;
    req.body.unpipe(child.stdin);
    req.body.destroy();
    child.kill('SIGKILL');
  };
  const onAbort = (): void => stop();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  child.stdin.on('error', () => undefined); // pg_restore stopped reading: not itself the failure
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    if (done) return;
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!inCopy) {
        inCopy = line.startsWith('COPY ') && line.endsWith(' FROM stdin;');
        continue;
      }
      if (line === '\\.' || lines.length === req.limit) {
        truncated = line !== '\\.';
        stop();
        return;
      }
      lines.push(line);
    }
  });
  // Set from a callback, so held in an object (a plain let would be narrowed to null below).
  const failed: { input: Error | null } = { input: null };
  req.body.on('error', (e) => {
    if (!done) failed.input = e;
    child.kill('SIGKILL');
  });
  req.body.pipe(child.stdin);
  try {
    const r = await running.exited;
    if (req.signal?.aborted) throw cancelledError('Peek');
    if (failed.input) throw failed.input;
    if (done) return { lines, truncated };
    if (r.spawnError) throw new LifeboatError('PG_TOOL_MISSING', `Could not start ${tool.path}: ${r.spawnError.message}.`, { hint: { kind: 'choose-pg-bin' } });
    if (r.code !== 0) throw new LifeboatError('PG_RESTORE_FAILED', `pg_restore ${tool.version} could not read the table's rows: ${summarizeStderr(r.stderr) || `exit code ${r.code}`}.`);
    return { lines, truncated };
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
    stop();
  }
}
