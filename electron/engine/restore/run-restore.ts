import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { tempDatabaseName, type TempDatabaseRecord } from '../../../shared/temp-database.js';
import { LifeboatError, cancelledError, throwIfAborted } from '../errors.js';
import { newJobId } from '../jobs/job-id.js';
import { ProgressReporter } from '../jobs/progress-reporter.js';
import { parsePgConnection, pgToolConnection, withDatabase, type PgConnection } from '../pg/connection.js';
import { describePgError } from '../pg/pg-errors.js';
import type { PgToolCandidate } from '../pg/tool-discovery.js';
import { connectClient } from '../pg/server-info.js';
import { resolveBackup, type BackupSource } from './backup-source.js';
import { describeStreamError, openBackupStream } from './backup-stream.js';
import { readArchiveHeader } from './peek-header.js';
import { restoringOwner, recordState } from './interrupted.js';
import { PLAIN_CLEAN_PREAMBLE } from './plain-sql-filter.js';
import { runPsqlPipe, type SqlSource } from './psql-pipe.js';
import { requireRestrictingPsql } from './psql-guard.js';
import type { RestoreMode, RestoreRequest, RestoreResult } from './restore-request.js';
import { runRestoreTool, selectRestoreTool } from './restore-tools.js';
import { lockTimeoutError, runApplicationName, terminateRunBackends } from './run-sessions.js';
import { downloadToScratch, removeDeadScratch, scratchDir, scratchName, type ScratchFile } from './scratch-file.js';
import { connectMaintenance, createDatabase, databaseExists, databaseInUrl, dropDatabase, onDatabase, refuseSystemDatabase, userObjectCount } from './target-database.js';
import { TempRegistry } from './temp-registry.js';
import { selectTocEntries } from './toc-selection.js';

const MAX_JOBS = 64;
/** How long a restore over an existing database waits for another session's locks (--lock-timeout). */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 10;
const MAX_LOCK_TIMEOUT_SECONDS = 86_400;

function validate(req: RestoreRequest): { mode: RestoreMode; jobs: number; lockTimeout: number } {
  const mode = req.mode ?? 'auto';
  const jobs = req.jobs ?? 1;
  const lockTimeout = req.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
  if (!Number.isInteger(lockTimeout) || lockTimeout < 0 || lockTimeout > MAX_LOCK_TIMEOUT_SECONDS) {
    throw new LifeboatError('BAD_INPUT', `--lock-timeout must be a whole number of seconds from 0 (wait as long as it takes) to ${MAX_LOCK_TIMEOUT_SECONDS}; got ${String(req.lockTimeoutSeconds)}.`);
  }
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) throw new LifeboatError('BAD_INPUT', `--jobs must be a whole number from 1 to ${MAX_JOBS}; got ${String(req.jobs)}.`);
  if (mode === 'clean' && !req.confirmed) {
    throw new LifeboatError('BAD_INPUT', '--clean replaces everything in the target database; add --yes to confirm that this is what you want.');
  }
  if (mode === 'clean' && jobs > 1) {
    throw new LifeboatError('BAD_INPUT', '--jobs cannot be combined with --clean: a restore over an existing database runs in one transaction so that a failure changes nothing. Drop --jobs, or restore into a new database.');
  }
  for (const name of [...(req.tables ?? []), ...(req.schemas ?? [])]) {
    if (name.trim() === '') throw new LifeboatError('BAD_INPUT', 'An empty name was given to --tables or --schemas; list names separated by commas, e.g. --tables sales.orders,public.users.');
  }
  return { mode, jobs, lockTimeout };
}

interface PreparedTarget {
  database: string;
  kind: 'new' | 'existing' | 'temporary';
  /** Set when this run created the database: it is dropped on failure. */
  created: boolean;
}

/**
 * Creates lifeboat_<db>_<timestamp> (with _2, _3… when taken). The name is recorded before the
 * database exists, so even a crash mid-restore leaves it listed and droppable; when another run
 * took the same name a moment earlier, that record is theirs and the next suffix is tried.
 */
async function createTempDatabase(
  client: Awaited<ReturnType<typeof connectMaintenance>>,
  conn: PgConnection,
  registry: TempRegistry,
  record: Omit<TempDatabaseRecord, 'name'>,
  dbName: string,
  at: Date,
): Promise<string> {
  for (let i = 1; i < 100; i++) {
    const name = tempDatabaseName(dbName, at, i === 1 ? '' : `_${i}`);
    if (await databaseExists(client, name)) continue;
    await registry.add({ ...record, name, state: 'restoring', ...restoringOwner(), kind: 'temporary' });
    try {
      await createDatabase(client, conn, name);
      return name;
    } catch (e) {
      if (e instanceof LifeboatError && e.code === 'TARGET_EXISTS') continue;
      await registry.remove(name, conn.display);
      throw e;
    }
  }
  throw new LifeboatError('TARGET_EXISTS', 'Could not find a free name for the temporary database; drop old ones with `lifeboat temp drop`.');
}

/**
 * Restores a backup with the real pg_restore (custom archives) or psql (plain SQL).
 *
 * Never half-restored: a new or temporary database is recorded, then created by this run, and
 * dropped if anything fails or the run is cancelled (after kill -9 the record says it was
 * interrupted, and `lifeboat temp drop` drops it). An existing database is only touched after the
 * whole backup was downloaded and checked (SHA-256 against the manifest, or a full gunzip), and
 * then in one transaction whose COMMIT Lifeboat writes itself, last (see psql-pipe.ts).
 * Nothing in a backup is ever run as a command: psql runs restricted with a key of this run.
 */
export async function runRestore(req: RestoreRequest): Promise<RestoreResult> {
  const env = req.env ?? process.env;
  const jobId = req.jobId ?? newJobId('restore');
  const progress = new ProgressReporter(jobId, req.onProgress);
  const signal = req.signal;
  const { mode, jobs, lockTimeout } = validate(req);
  const noOwner = req.noOwner ?? true;
  const noAcl = req.noAcl ?? true;
  const conn = parsePgConnection(req.target, env);
  const what = req.purpose === 'extract' ? 'The extract' : req.purpose === 'verify' ? 'The verification' : 'The restore';
  await removeDeadScratch(env);

  progress.setPhase('locating');
  const source = await resolveBackup(req, env);
  const format = source.parsed.format;
  const selective = (req.tables?.length ?? 0) > 0 || (req.schemas?.length ?? 0) > 0 || req.tocFilter !== undefined;
  if (format === 'plain' && selective) {
    throw new LifeboatError('BAD_INPUT', `Backup ${source.key} is plain SQL, which cannot be restored selectively; restore it whole (for example with --temp) and copy what you need from there.`);
  }
  const tables = req.tables ?? [];
  const schemas = req.schemas ?? [];
  const tocFilter =
    req.tocFilter ?? (tables.length > 0 || schemas.length > 0 ? (toc: string): string => selectTocEntries(toc, { tables, schemas }) : undefined);
  const header = await readArchiveHeader(source, req.transforms, signal);
  const toolName = format === 'custom' ? 'pg_restore' : 'psql';
  const tool = await selectRestoreTool(toolName, header.pgDumpMajor, header.pgDumpVersion, req.pgBinDir, env);
  if (format === 'plain') requireRestrictingPsql(tool);
  throwIfAborted(signal, what);

  progress.setPhase('preparing target');
  const maintenance = await connectMaintenance(conn);
  let prepared: PreparedTarget | null = null;
  let scratch: ScratchFile | null = null;
  let succeeded = false;
  const registry = new TempRegistry(env);
  const appName = runApplicationName(req.purpose ?? 'restore');
  try {
    prepared = await prepareTarget(maintenance, conn, env, mode, source, req, registry);
    throwIfAborted(signal, what);
    const existing = prepared.kind === 'existing';
    const parallel = jobs > 1 && format === 'custom' && !existing;
    const local = existing || parallel;
    // Into a database this run created, pg_restore connects itself (it runs no meta-commands, and
    // a crash leaves the database recorded as interrupted). Into an existing one, and for plain SQL,
    // the SQL goes through a psql that Lifeboat feeds and commits (see psql-pipe.ts); that hop
    // costs about 15-20% of the restore time on a busy 2-core machine, so it is spent only where
    // it buys the guarantee.
    const direct = format === 'custom' && !existing;
    const dbConn = onDatabase(conn, prepared.database);
    const toolConn = pgToolConnection(dbConn, env, conn.url ? undefined : prepared.database);
    toolConn.env.PGAPPNAME = appName;
    const secrets = [conn.password];
    const psql = direct ? null : format === 'plain' ? tool : await selectRestoreTool('psql', header.pgDumpMajor, header.pgDumpVersion, req.pgBinDir ?? dirOf(tool.path), env);
    const describe = `${psql ? 'psql' : 'pg_restore'} ${(psql ?? tool).version} failed restoring ${source.key} into "${prepared.database}" on ${conn.display}`;

    let input: Readable | undefined;
    let archiveFile: string | undefined;
    if (local) {
      progress.setPhase('downloading', source.sizeBytes);
      scratch = await downloadToScratch(source, { env, transforms: req.transforms, signal, onBytes: (n) => progress.addBytes(n) });
      if (format === 'custom') archiveFile = scratch.path;
    }

    progress.setPhase('restoring', local ? null : source.sizeBytes);
    let listFile: string | null = null;
    try {
      // The table of contents first: the restore's own download starts only when it can be consumed.
      if (format === 'custom' && tocFilter) {
        listFile = await writeTocList(tool, archiveFile, source, req, tocFilter, env, toolConn.env, signal, secrets, what);
      }
      if (scratch && format === 'plain') {
        input = source.parsed.gzip ? gunzipFile(scratch.path) : createReadStream(scratch.path);
      } else if (!archiveFile) {
        input = (await openBackupStream(source, { gunzip: format === 'plain' && source.parsed.gzip, transforms: req.transforms, signal, onBytes: (n) => progress.addBytes(n) })).stream;
      }
      const archiveArgs = [
        ...(noOwner ? ['--no-owner'] : []),
        ...(noAcl ? ['--no-acl'] : []),
        ...(mode === 'clean' ? ['--clean', '--if-exists'] : []),
        ...(listFile ? [`--use-list=${listFile}`] : []),
      ];
      if (!psql) {
        const args = ['--no-password', '--exit-on-error', ...toolConn.args, ...archiveArgs, ...(parallel ? [`--jobs=${jobs}`] : []), ...(archiveFile ? [archiveFile] : [])];
        await runRestoreTool({ tool, args, env: toolConn.env, input: archiveFile ? undefined : input, signal, describe, secrets, what });
      } else {
        const sqlSource: SqlSource =
          format === 'plain' && input
            ? { kind: 'plain', stream: input }
            : { kind: 'archive', pgRestore: tool, args: ['--file=-', ...archiveArgs, ...(archiveFile ? [archiveFile] : [])], env: toolConn.env, input: archiveFile ? undefined : input };
        const preamble = [
          ...(existing && lockTimeout > 0 ? [`SET lock_timeout = '${lockTimeout}s';`] : []),
          ...(format === 'plain' && mode === 'clean' ? [PLAIN_CLEAN_PREAMBLE] : []),
        ];
        const target = prepared.database;
        await runPsqlPipe({
          psql,
          connArgs: toolConn.args,
          env: toolConn.env,
          source: sqlSource,
          ownTransaction: existing,
          preamble,
          noOwner,
          noAcl,
          signal,
          describe,
          secrets,
          what,
          onLockTimeout: () => lockTimeoutError(maintenance, target, conn.display, appName, lockTimeout),
        });
      }
    } catch (e) {
      input?.destroy();
      if (signal?.aborted) throw cancelledError(what);
      if (e instanceof LifeboatError) throw e;
      throw describeStreamError(e, source.key);
    } finally {
      if (listFile) await rm(listFile, { force: true });
    }
    throwIfAborted(signal, what);
    if (prepared.kind === 'temporary') await registry.markReady(prepared.database, conn.display);
    // A new database the user named is theirs once restored: Lifeboat no longer tracks it.
    if (prepared.kind === 'new') await registry.remove(prepared.database, conn.display);
    // A half-restored database replaced with --clean is whole again: no longer "interrupted".
    if (prepared.kind === 'existing' && registry.find(await registry.list(), prepared.database, conn.display)?.kind === 'new') {
      await registry.remove(prepared.database, conn.display);
    }
    succeeded = true;
    progress.setPhase('done');
    return {
      jobId,
      key: source.key,
      database: prepared.database,
      url: conn.url ? withDatabase(conn.url, prepared.database) : null,
      target: prepared.kind,
      format,
      tool: { name: toolName, version: tool.version, path: tool.path },
      checkedSha256: source.manifest !== null,
      sizeBytes: source.sizeBytes,
      durationMs: progress.elapsedMs,
    };
  } finally {
    await scratch?.remove();
    if (!succeeded) {
      // A killed psql's backend may still hold locks (waiting, or mid-statement): end it now.
      await terminateRunBackends(maintenance, appName).catch(() => undefined);
      if (prepared?.created) {
        progress.setPhase('cleaning up');
        await dropDatabase(maintenance, prepared.database).catch(() => undefined);
        await registry.remove(prepared.database, conn.display).catch(() => undefined);
      }
    }
    await maintenance.end().catch(() => undefined);
  }
}

function dirOf(file: string): string {
  return path.dirname(file);
}

async function prepareTarget(
  maintenance: Awaited<ReturnType<typeof connectMaintenance>>,
  conn: PgConnection,
  env: NodeJS.ProcessEnv,
  mode: RestoreMode,
  source: BackupSource,
  req: RestoreRequest,
  registry: TempRegistry,
): Promise<PreparedTarget> {
  try {
    if (mode === 'temp') {
      const dbName = source.manifest?.database ?? source.parsed.dbName;
      const record = { server: conn.display, serverUrl: conn.url, createdAt: new Date().toISOString(), key: source.key, purpose: req.purpose ?? 'restore' } as const;
      const name = await createTempDatabase(maintenance, conn, registry, record, dbName, (req.now ?? (() => new Date()))());
      return { database: name, kind: 'temporary', created: true };
    }
    const name = databaseInUrl(conn, env);
    if (!name) throw new LifeboatError('BAD_INPUT', 'The target URL names no database; write it as postgresql://user@host:5432/newdb, or use --temp.');
    await refuseSystemDatabase(maintenance, name, conn.display, req.allowSystemDatabase ?? false);
    const exists = await databaseExists(maintenance, name);
    if (exists && mode !== 'clean') await refuseInterrupted(registry, name, conn.display);
    if (mode === 'create' || (mode === 'auto' && !exists)) {
      if (exists) throw new LifeboatError('TARGET_EXISTS', `Database "${name}" already exists on ${conn.display}.`, { hint: { kind: 'new-name-or-replace' } });
      // Recorded before it exists: a kill -9 mid-restore leaves it listed as interrupted.
      await registry.add({ name, server: conn.display, serverUrl: conn.url, createdAt: new Date().toISOString(), key: source.key, purpose: req.purpose ?? 'restore', state: 'restoring', ...restoringOwner(), kind: 'new' });
      try {
        await createDatabase(maintenance, conn, name);
      } catch (e) {
        await registry.remove(name, conn.display).catch(() => undefined);
        throw e;
      }
      return { database: name, kind: 'new', created: true };
    }
    if (!exists) throw new LifeboatError('PG_DATABASE_MISSING', `Database "${name}" does not exist on ${conn.display}, so there is nothing to replace.`, { hint: { kind: 'create-instead' } });
    if (mode === 'auto') {
      const client = await connectClient(onDatabase(conn, name), conn.url ? undefined : name);
      try {
        const n = await userObjectCount(client);
        if (n > 0) {
          throw new LifeboatError('TARGET_NOT_EMPTY', `Database "${name}" on ${conn.display} is not empty (${n} objects).`, { hint: { kind: 'new-name-or-replace' } });
        }
      } finally {
        await client.end().catch(() => undefined);
      }
      if ((req.jobs ?? 1) > 1) {
        throw new LifeboatError('BAD_INPUT', `--jobs cannot restore into the existing database "${name}": that restore runs in one transaction so that a failure changes nothing. Drop --jobs, or restore into a new database.`);
      }
    }
    return { database: name, kind: 'existing', created: false };
  } catch (e) {
    throw describePgError(e, conn);
  }
}

/** A database left by an interrupted restore is named as such, not as merely "not empty". */
async function refuseInterrupted(registry: TempRegistry, name: string, server: string): Promise<void> {
  const record = registry.find(await registry.list(), name, server);
  if (!record) return;
  const state = recordState(record);
  if (state === 'interrupted') {
    throw new LifeboatError('TARGET_INTERRUPTED', `Database "${name}" on ${server} was left half-restored by a restore of ${record.key} that was interrupted (started ${record.createdAt}).`, { hint: { kind: 'drop-interrupted', database: name } });
  }
  if (state === 'restoring') {
    throw new LifeboatError('TARGET_EXISTS', `Database "${name}" on ${server} is being restored right now by another Lifeboat run (pid ${record.pid ?? '?'}); wait for it, or choose another name.`);
  }
}

function pipeStages(input: Readable, stage: NodeJS.ReadWriteStream): Readable {
  return (pipeline as unknown as (...s: unknown[]) => Readable)(input, stage, () => undefined);
}

function gunzipFile(file: string): Readable {
  return pipeStages(createReadStream(file), createGunzip());
}

/** Lists the archive's table of contents, lets the caller rewrite it, and writes it for --use-list. */
async function writeTocList(
  tool: PgToolCandidate,
  archiveFile: string | undefined,
  source: BackupSource,
  req: RestoreRequest,
  tocFilter: (toc: string) => string,
  env: NodeJS.ProcessEnv,
  toolEnv: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  secrets: readonly (string | null)[],
  what: string,
): Promise<string> {
  let input: Readable | undefined;
  if (!archiveFile) input = (await openBackupStream(source, { gunzip: false, transforms: req.transforms, signal })).stream;
  const toc = await runRestoreTool({
    tool,
    args: ['--list', ...(archiveFile ? [archiveFile] : [])],
    env: toolEnv,
    input,
    signal,
    describe: `pg_restore ${tool.version} could not read the table of contents of ${source.key}`,
    secrets,
    captureStdout: true,
    what,
  });
  const filtered = tocFilter(toc);
  if (filtered.trim() === '') {
    throw new LifeboatError('NOT_FOUND', `Nothing in backup ${source.key} matches the tables or schemas asked for; check the names with \`pg_restore --list\` or restore it whole.`);
  }
  const dir = scratchDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, scratchName('toc', '.list'));
  await writeFile(file, filtered, { mode: 0o600 });
  return file;
}
