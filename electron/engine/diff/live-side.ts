// The live database as one side of a comparison. Its tables' counts and fingerprints must be
// computed exactly as a backup's index computes them, or every table would look changed: so the
// live side is read by the same pg_dump a backup would use (chosen by the server's major), as an
// uncompressed custom archive streamed through the archive reader's own scan (counts and the
// order-independent fingerprint of each table's COPY text) and never stored. The definitions are
// that archive's table of contents, the same text a backup's TOC holds. One consistent snapshot,
// every table read once — like `count(*)` plus a COPY of each table, which the fingerprint needs anyway.
import { createInterface } from 'node:readline';
import type { BackupTable } from '../../../shared/backup-contents.js';
import { quoteIdent } from '../../../shared/row-format.js';
import { scanArchive } from '../archive/scan-archive.js';
import { columnsOfCopyStatement } from '../archive/custom-format.js';
import { decodeCopyLine, FINGERPRINT_KIND } from '../archive/copy-text.js';
import { selectPgDump } from '../backup/run-backup.js';
import { LifeboatError, cancelledError } from '../errors.js';
import { spawnTool, summarizeStderr, type RunningTool } from '../jobs/child-process.js';
import { parsePgConnection, pgToolConnection, type PgConnection } from '../pg/connection.js';
import { connectClient, readServerInfo } from '../pg/server-info.js';
import { scrubSecrets } from '../redact.js';
import type { QualifiedName } from '../restore/toc-selection.js';
import type { DiffSide, TocDefinition } from './compare-contents.js';
import type { OpenRows, TextRow } from './row-diff.js';

export interface LiveOptions {
  pgBinDir?: string | undefined;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
}

async function livePgDump(url: string, opts: LiveOptions): Promise<{ conn: PgConnection; path: string; toolArgs: string[]; toolEnv: NodeJS.ProcessEnv }> {
  const conn = parsePgConnection(url, opts.env);
  const client = await connectClient(conn);
  try {
    const info = await readServerInfo(client, conn);
    const tool = await selectPgDump(info, opts.pgBinDir, opts.env);
    const t = pgToolConnection(conn, opts.env, conn.url ? undefined : info.database);
    return { conn, path: tool.path, toolArgs: t.args, toolEnv: t.env };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `work` on a pg_dump's output, then requires that pg_dump ended well; a cancel kills it. */
async function withDump<T>(dump: RunningTool, conn: PgConnection, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  const onAbort = (): void => dump.kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let result: T;
    try {
      result = await work();
    } catch (e) {
      dump.kill();
      const ended = await dump.exited;
      if (signal?.aborted) throw cancelledError('the comparison with the live database');
      if (ended.code !== 0 && ended.code !== -1) throw dumpFailed(ended.stderr, conn);
      throw e;
    }
    const ended = await dump.exited;
    if (signal?.aborted) throw cancelledError('the comparison with the live database');
    if (ended.code !== 0) throw dumpFailed(ended.stderr, conn);
    return result;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function dumpFailed(stderr: string, conn: PgConnection): LifeboatError {
  return new LifeboatError('PG_DUMP_FAILED', `pg_dump could not read the live database ${conn.display}: ${scrubSecrets(summarizeStderr(stderr), [conn.password])}. Check the URL and that the user may read every table.`);
}

/** Tables (with counts and fingerprints) and definitions of the live database, as a backup's index has them. */
export async function readLiveSide(url: string, opts: LiveOptions): Promise<DiffSide> {
  const d = await livePgDump(url, opts);
  const dump = spawnTool(d.path, ['--format=custom', '--compress=0', '--no-password', ...d.toolArgs], d.toolEnv);
  dump.child.stdin.end();
  const scan = await withDump(dump, d.conn, opts.signal, () => scanArchive(dump.child.stdout));
  const blocks = new Map(scan.blocks.map((b) => [b.dumpId, b]));
  const tables: BackupTable[] = [];
  const definitions: TocDefinition[] = [];
  for (const e of scan.toc) {
    if (e.desc === 'TABLE DATA') {
      const b = blocks.get(e.dumpId);
      tables.push({ schema: e.namespace ?? '', name: e.tag ?? '', rows: b?.rows ?? null, storedBytes: null, rawBytes: b?.rawBytes ?? null, fingerprint: b?.fingerprint ?? null });
    } else if (e.desc) {
      definitions.push({ kind: e.desc, schema: e.namespace, name: e.tag ?? '', defn: e.defn ?? '' });
    }
  }
  return { label: 'live', tables, definitions, fingerprints: FINGERPRINT_KIND };
}

/** The primary key columns of a live table, in key order; null when it has none. */
export async function livePrimaryKey(url: string, table: QualifiedName, env: NodeJS.ProcessEnv): Promise<string[] | null> {
  const conn = parsePgConnection(url, env);
  const client = await connectClient(conn);
  try {
    const r = await client.query<{ name: string }>(
      `SELECT a.attname AS name
       FROM pg_index i
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = to_regclass($1) AND i.indisprimary
       ORDER BY k.pos`,
      [`${quoteIdent(table.schema)}.${quoteIdent(table.name)}`],
    );
    return r.rows.length > 0 ? r.rows.map((x) => x.name) : null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * One live table's rows, streamed: the COPY block of `pg_dump --data-only --table` (the same text,
 * settings and column list a backup has), parsed as it arrives.
 */
export function liveRows(url: string, table: QualifiedName, opts: LiveOptions): OpenRows {
  return async () => {
    const d = await livePgDump(url, opts);
    // In a pattern, double quotes make every character literal: the name matches itself only.
    const pattern = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
    const dump = spawnTool(d.path, ['--format=plain', '--data-only', `--table=${pattern}`, '--no-password', ...d.toolArgs], d.toolEnv);
    dump.child.stdin.end();
    const lines = createInterface({ input: dump.child.stdout, crlfDelay: Infinity });
    const it = lines[Symbol.asyncIterator]();
    let columns: string[] | null = null;
    // Read up to the COPY line, so the columns are known before the rows are.
    for (;;) {
      const n = await it.next();
      if (n.done) break;
      if (/^COPY .* FROM stdin;$/.test(n.value)) {
        columns = columnsOfCopyStatement(n.value);
        break;
      }
    }
    if (columns === null) {
      await withDump(dump, d.conn, opts.signal, () => Promise.resolve());
      throw new LifeboatError('NOT_FOUND', `There is no table ${table.schema}.${table.name} in the live database.`, { hint: { kind: 'choose-table' } });
    }
    const each = async (onRow: (row: TextRow) => void): Promise<void> => {
      let finished = false;
      try {
        // Rows go out as they come; pg_dump's exit status is checked once they are all read.
        for (;;) {
          const n = await it.next();
          if (n.done || n.value === '\\.') break;
          onRow(decodeCopyLine(n.value));
        }
        await withDump(dump, d.conn, opts.signal, async () => {
          for (;;) if ((await it.next()).done) return;
        });
        finished = true;
      } finally {
        // A reader that failed (a bad key, a cancel) leaves no pg_dump behind.
        if (!finished) dump.kill();
      }
    };
    return { columns, each };
  };
}
