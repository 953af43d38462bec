import os from 'node:os';
import { verifyKeyFor } from '../../../shared/backup-key.js';
import { VERIFY_FORMAT_VERSION, type TableCheck, type VerifyRecord } from '../../../shared/verify-record.js';
import { systemClock, type Clock } from '../scheduler/clock.js';
import { LifeboatError, cancelledError, isLifeboatError } from '../errors.js';
import { newJobId } from '../jobs/job-id.js';
import { ProgressReporter, type ProgressListener } from '../jobs/progress-reporter.js';
import { asPgConnection, type PgConnection } from '../pg/connection.js';
import { withTunnel } from '../ssh/with-tunnel.js';
import { connectClient, readServerInfo, type ServerInfo } from '../pg/server-info.js';
import { quoteIdent } from '../../../shared/row-format.js';
import { resolveBackup, type BackupChoice, type BackupSource } from '../restore/backup-source.js';
import { describeStreamError, openBackupStream, type BackupStreamTransform } from '../restore/backup-stream.js';
import { headerFromBytes } from '../restore/peek-header.js';
import { planRestore } from '../restore/plan-restore.js';
import { downloadToScratch, type ScratchFile } from '../restore/scratch-file.js';
import { runRestoreTool, selectRestoreTool } from '../restore/restore-tools.js';
import { executeRestore } from '../restore/run-restore.js';
import { connectMaintenance, dropDatabase, onDatabase } from '../restore/target-database.js';
import { TempRegistry } from '../restore/temp-registry.js';
import { lifeboatVersion } from '../version.js';

export interface VerifyRequest extends BackupChoice {
  /** Also restore into a temporary database on `server` and compare row counts with the manifest. */
  deep?: boolean | undefined;
  server?: string | PgConnection | undefined;
  transforms?: readonly BackupStreamTransform[] | undefined;
  pgBinDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  /** Times the drill (a deep verification): injected so tests can make a restore "take" any time. */
  clock?: Pick<Clock, 'now'> | undefined;
  /** The recovery-time target of the schedule running this drill (ms); a slower drill is marked over target. */
  targetMs?: number | null | undefined;
}

/** Reads every stored byte (an encrypted backup whose key this keychain lacks): size and SHA-256 against the manifest. */
async function readStored(source: BackupSource, req: VerifyRequest, progress: ProgressReporter): Promise<string> {
  const { stream, integrity } = await openBackupStream(source, { gunzip: false, signal: req.signal, onBytes: (n) => progress.addBytes(n), stored: true });
  try {
    for await (const chunk of stream) void chunk;
  } catch (e) {
    if (req.signal?.aborted) throw cancelledError('The verification');
    throw describeStreamError(e, source.key);
  }
  return integrity.sha256 ?? '';
}

/** Counts the restored tables' rows, and reads where they were restored (version, size) on the same connection. */
async function countRows(server: PgConnection, database: string, env: NodeJS.ProcessEnv, expected: readonly { schema: string; name: string; rows: number }[], exact: boolean): Promise<{ tables: TableCheck[]; info: ServerInfo }> {
  const conn = onDatabase(server, database);
  const client = await connectClient(conn, conn.url ? undefined : database);
  try {
    const info = await readServerInfo(client, conn);
    const out: TableCheck[] = [];
    for (const t of expected) {
      const q = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
      let actual: number | null = null;
      try {
        actual = Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${q}`)).rows[0]?.n ?? 0);
      } catch {
        actual = null;
      }
      // Estimated counts (pg_class.reltuples) only say whether a table has rows at all.
      const ok = actual !== null && (exact ? actual === t.rows : (actual > 0) === (t.rows > 0));
      out.push({ schema: t.schema, name: t.name, expected: t.rows, actual, ok });
    }
    return { tables: out, info };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function storedOnly(source: BackupSource, req: VerifyRequest): boolean {
  return Boolean(source.encryption && !source.encryption.decrypt && (req.transforms ?? []).length === 0);
}

/**
 * Verifies a backup and stores the outcome beside it (`<key>.verify.json`): the object exists, its
 * bytes match the manifest's size and SHA-256, and its contents read to the end (pg_restore --list
 * for archives, the whole SQL text for plain backups). Deep: restores it into a temporary
 * database, compares every table's row count with the manifest, and drops the database.
 * A failed check is a result (outcome "failed"), not an exception; bad input still throws.
 */
export async function runVerify(req: VerifyRequest): Promise<VerifyRecord> {
  const env = req.env ?? process.env;
  const clock = req.clock ?? systemClock;
  if (req.deep && !req.server) throw new LifeboatError('BAD_INPUT', '--deep restores the backup into a temporary database; say on which server with --server postgresql://user@host:5432/postgres.');
  const server = req.server === undefined ? undefined : asPgConnection(req.server, env);
  if (req.deep && server?.ssh) return withTunnel(server, req.signal, env, (direct) => runVerify({ ...req, server: direct }));
  const progress = new ProgressReporter(newJobId('verify'), req.onProgress);
  const source = await resolveBackup(req, env);
  // A deep check restores, which needs the key: say so before anything is downloaded.
  if (req.deep && storedOnly(source, req)) throw source.encryption?.unavailable ?? new LifeboatError('ENCRYPTION_KEY_MISSING', `Backup ${source.key} is encrypted and its key is not in this keychain.`);
  const m = source.manifest;
  const record: VerifyRecord = {
    formatVersion: VERIFY_FORMAT_VERSION,
    key: source.key,
    verifiedAt: clock.now().toISOString(),
    depth: req.deep ? 'deep' : 'quick',
    outcome: 'failed',
    durationMs: 0,
    lifeboatVersion: lifeboatVersion(),
    checks: { exists: true, sizeBytes: source.sizeBytes, sha256Matches: null, sha256: null, contentsReadable: null, tocEntries: null, restored: null, tables: [] },
    problem: null,
    drill: null,
  };
  let downloadedBytes = 0;
  const onBytes = (n: number): void => {
    downloadedBytes += n;
    progress.addBytes(n);
  };
  // The one read of the object: into a private local copy (checked as it arrives), from which the
  // table of contents and a deep restore are read. Without the key, only the stored bytes are checked.
  let copy: ScratchFile | null = null;
  // A drill's recovery time starts with the first byte fetched, as a real recovery would.
  const fetchStartedAt = req.deep ? clock.now().getTime() : 0;
  try {
    progress.setPhase('checking', source.sizeBytes);
    try {
      if (storedOnly(source, req)) {
        record.checks.sha256 = await readStored(source, req, progress);
      } else {
        copy = await downloadToScratch(source, { env, transforms: req.transforms, signal: req.signal, onBytes, what: 'The verification' });
        record.checks.sha256 = copy.sha256;
      }
      record.checks.sha256Matches = m ? true : null;
      if (copy?.plainComplete === false) throw new LifeboatError('VERIFY_FAILED', `Backup ${source.key} ends before pg_dump's "dump complete" line: the dump is incomplete.`);
      if (copy?.plainComplete) record.checks.contentsReadable = true;
    } catch (e) {
      if (isLifeboatError(e) && e.code === 'INTEGRITY_FAILED' && m) record.checks.sha256Matches = false;
      throw e;
    }
    if (source.parsed.format === 'custom' && copy) {
      progress.setPhase('reading table of contents');
      const header = headerFromBytes(source, copy.head);
      const tool = await selectRestoreTool('pg_restore', header.pgDumpMajor, header.pgDumpVersion, req.pgBinDir, env);
      const toc = await runRestoreTool({ tool, args: ['--list', copy.path], env, signal: req.signal, describe: `pg_restore ${tool.version} could not read the table of contents of ${source.key}`, secrets: [], captureStdout: true, what: 'The verification' });
      record.checks.tocEntries = toc.split('\n').filter((l) => /^\s*\d+;/.test(l)).length;
      // Without a manifest no size or checksum says the archive is whole: read every entry to its
      // end (as a restore would), so a truncated archive fails here as it would there.
      if (!m) {
        await runRestoreTool({ tool, args: [`--file=${os.devNull}`, copy.path], env, signal: req.signal, describe: `pg_restore ${tool.version} could not read ${source.key} to its end`, secrets: [], what: 'The verification' });
      }
      record.checks.contentsReadable = true;
    }
    if (req.deep && req.server) {
      progress.setPhase('restoring');
      const restoreReq = { key: source.key, to: source.target, target: req.server, mode: 'temp', purpose: 'verify', transforms: req.transforms, pgBinDir: req.pgBinDir, env, signal: req.signal } as const;
      const planned = await planRestore(restoreReq, { source });
      const restoreStartedAt = clock.now().getTime();
      const restored = await executeRestore(planned, restoreReq, copy ?? undefined);
      const restoredAt = clock.now().getTime();
      record.checks.restored = true;
      try {
        const expected = m?.tables ?? [];
        const counted = await countRows(asPgConnection(req.server, env), restored.database, env, expected, m?.rowCounts !== 'estimated');
        record.checks.tables = counted.tables;
        const recoveryMs = Math.max(0, restoredAt - fetchStartedAt);
        const targetMs = req.targetMs ?? null;
        record.drill = {
          recoveryMs,
          restoreMs: Math.max(0, restoredAt - restoreStartedAt),
          downloadedBytes,
          restoredBytes: counted.info.databaseSizeBytes,
          server: { address: asPgConnection(req.server, env).display, version: counted.info.version },
          tablesCompared: counted.tables.length,
          mismatches: counted.tables.filter((t) => !t.ok).length,
          targetMs,
          overTarget: targetMs !== null && recoveryMs > targetMs,
        };
      } finally {
        const conn = asPgConnection(req.server, env);
        const client = await connectMaintenance(conn);
        try {
          await dropDatabase(client, restored.database);
          await new TempRegistry(env).remove(restored.database, conn.display);
        } finally {
          await client.end().catch(() => undefined);
        }
      }
      const bad = record.checks.tables.filter((t) => !t.ok);
      if (bad.length > 0) {
        const list = bad.slice(0, 3).map((t) => `${t.schema}.${t.name} has ${t.actual ?? 'no table'} rows, the manifest says ${t.expected}`).join('; ');
        throw new LifeboatError('VERIFY_FAILED', `The restored copy of ${source.key} differs from its manifest: ${list}${bad.length > 3 ? ` (and ${bad.length - 3} more)` : ''}.`);
      }
    }
    record.outcome = 'passed';
  } catch (e) {
    if (req.signal?.aborted) throw cancelledError('The verification');
    if (!isLifeboatError(e) || e.code === 'BAD_INPUT' || e.code === 'PG_TOOL_MISSING' || e.code === 'PG_UNREACHABLE' || e.code === 'PG_AUTH_FAILED') throw e;
    if (record.depth === 'deep' && record.checks.restored === null && e.code === 'PG_RESTORE_FAILED') record.checks.restored = false;
    if (record.checks.contentsReadable === null && e.code === 'PG_RESTORE_FAILED') record.checks.contentsReadable = false;
    record.problem = e.message;
  } finally {
    await copy?.remove();
  }
  record.durationMs = progress.elapsedMs;
  // The latest verification replaces the previous record: it is what the calendar and prune trust.
  await source.storage.putSmall(verifyKeyFor(source.key), `${JSON.stringify(record, null, 2)}\n`, { contentType: 'application/json', mode: 'replace' });
  return record;
}
