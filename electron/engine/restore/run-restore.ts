import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { TempDatabaseRecord } from '../../../shared/temp-database.js';
import { LifeboatError, cancelledError, throwIfAborted } from '../errors.js';
import { newJobId } from '../jobs/job-id.js';
import { ProgressReporter } from '../jobs/progress-reporter.js';
import { asPgConnection, pgToolConnection, urlBeyondTunnel, withDatabase, type PgConnection } from '../pg/connection.js';
import { withTunnel } from '../ssh/with-tunnel.js';
import { describePgError } from '../pg/pg-errors.js';
import type { PgToolCandidate } from '../pg/tool-discovery.js';
import type { BackupSource } from './backup-source.js';
import { describeStreamError } from './backup-stream.js';
import { headerFromBytes } from './peek-header.js';
import { restoringOwner } from './interrupted.js';
import { CLEAN_PREAMBLE } from './plain-sql-filter.js';
import { backupDatabaseName, countObjects, freeTempName, notEmptyError, planRestore, refuseInterrupted, type PlannedRestore } from './plan-restore.js';
import { runPsqlPipe, type SqlSource } from './psql-pipe.js';
import { requireRestrictingPsql } from './psql-guard.js';
import type { RestoreRequest, RestoreResult } from './restore-request.js';
import { runRestoreTool, selectRestoreTool } from './restore-tools.js';
import { lockTimeoutError, runApplicationName, terminateRunBackends } from './run-sessions.js';
import { IndexMismatch, downloadTocToScratch, usableIndex, type BackupRead, type RangedCopy } from './ranged-copy.js';
import { PlainIndexMismatch } from '../archive/plain-segment-read.js';
import { downloadPlainExtract, usablePlainIndex } from './plain-ranged.js';
import { readHeadForParallelRestore, restoreInParallelFromIndex, type CheckedHead } from './parallel-ranged-restore.js';
import { setDataOffsets, wantsLocalCopy } from './seekable-copy.js';
import { restoresStraightFromStorage, streamIntoPgRestore } from './straight-restore.js';
import type { ArchiveIndex } from '../archive/index-file.js';
import { downloadToScratch, removeDeadScratch, scratchDir, scratchName, type ScratchFile } from './scratch-file.js';
import { connectMaintenance, createDatabase, databaseExists, dropDatabase, onDatabase } from './target-database.js';
import { TempRegistry } from './temp-registry.js';
import { ownedSequenceIds, parseQualifiedName, selectTocEntries } from './toc-selection.js';
import { readTocOfFile } from '../archive/read-toc-file.js';
import { checkFileInPlace } from './file-source.js';
import { rolesOfToc, type ArchiveRoles } from '../globals/archive-roles.js';
import { dropRoles } from '../globals/create-roles.js';
import { ensureRoles } from '../globals/restore-roles.js';
import { dropTablespaces, ensureTablespaces } from '../globals/restore-tablespaces.js';

export { DEFAULT_LOCK_TIMEOUT_SECONDS } from './plan-restore.js';

interface PreparedTarget {
  database: string;
  kind: 'new' | 'existing' | 'temporary';
  /** Set when this run created the database: it is dropped on failure. */
  created: boolean;
}

/**
 * Creates the temporary database the plan named (lifeboat_<db>_<time>; the next _2, _3… only when
 * another run took that name since). The name is recorded before the database exists, so even a
 * crash mid-restore leaves it listed and droppable; when another run took the same name a moment
 * earlier, that record is theirs and the next suffix is tried.
 */
async function createTempDatabase(
  client: Awaited<ReturnType<typeof connectMaintenance>>,
  conn: PgConnection,
  registry: TempRegistry,
  record: Omit<TempDatabaseRecord, 'name'>,
  dbName: string,
  at: Date,
): Promise<string> {
  for (let from = 1; from < 100; ) {
    const { name, index } = await freeTempName(client, dbName, at, from);
    from = index + 1;
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
  throw new LifeboatError('TARGET_EXISTS', 'Could not find a free name for the temporary database.', { hint: { kind: 'drop-temp-databases' } });
}

/**
 * Restores a backup with the real pg_restore (custom archives) or psql (plain SQL): plans it
 * (planRestore), then carries out exactly that plan (executeRestore).
 */
export async function runRestore(req: RestoreRequest): Promise<RestoreResult> {
  const env = req.env ?? process.env;
  const target = asPgConnection(req.target, env);
  if (target.ssh) {
    // One tunnel for the whole restore; the URL handed back names the real server, not the tunnel.
    const r = await withTunnel(target, req.signal, env, (direct) => runRestore({ ...req, target: direct }));
    return { ...r, url: r.url ? urlBeyondTunnel(target, r.database) : null };
  }
  return executeRestore(await planRestore(req), req);
}

/**
 * Carries out a plan.
 *
 * Never half-restored. Into an existing database, the backup is first downloaded once into a
 * private local copy and checked there (SHA-256 against the manifest, a full gunzip, and for plain
 * SQL pg_dump's completion line at its end); only then is anything changed. Into a database this
 * run creates, a custom archive with a manifest streams straight into pg_restore (with --jobs and
 * an archive index, by ranged reads into parallel pg_restore workers): the same checks run as the
 * bytes pass and end with the restore, and any failure drops the database (straight-restore.ts). A new or temporary database is recorded,
 * then created by this run, and dropped if anything fails or the run is cancelled (after kill -9
 * the record says it was interrupted, and `lifeboat temp drop` drops it). An existing database is
 * changed in one transaction whose COMMIT Lifeboat writes itself, last (see psql-pipe.ts).
 * Nothing in a backup is ever run as a command: psql runs restricted with a key of this run.
 * `copy`: the local copy when the caller already downloaded it (verify --deep): not read again.
 */
export async function executeRestore(planned: PlannedRestore, req: RestoreRequest, copy?: ScratchFile): Promise<RestoreResult> {
  const env = req.env ?? process.env;
  const jobId = req.jobId ?? newJobId('restore');
  const progress = new ProgressReporter(jobId, req.onProgress);
  const signal = req.signal;
  const { plan, source, conn, jobs, lockTimeout } = planned;
  const action = plan.destination.action;
  const roles = plan.roles ?? { keepOwners: false, keepPrivileges: false, missing: null, createMissing: false };
  const noOwner = !roles.keepOwners;
  const noAcl = !roles.keepPrivileges;
  const defaultTablespace = plan.tablespaces?.action === 'default';
  const what = req.purpose === 'extract' ? 'The extract' : req.purpose === 'verify' ? 'The verification' : 'The restore';
  const format = source.parsed.format;
  const { tables, schemas } = plan.selection;
  // The chosen tables' own sequences, found in the archive's TOC once it is here (below).
  let ownedSequences: ReadonlySet<number> = new Set();
  const tocFilter =
    req.tocFilter ?? (tables.length > 0 || schemas.length > 0 ? (toc: string): string => selectTocEntries(toc, { tables, schemas, alsoIds: ownedSequences }) : undefined);
  await removeDeadScratch(env);

  let scratch: ScratchFile | null = copy ?? null;
  let list: { file: string; text: string } | null = null;
  const read: BackupRead = { via: 'stream', bytes: 0, storedBytes: source.sizeBytes };
  const countRead = (n: number): void => {
    read.bytes += n;
    progress.addBytes(n);
  };
  let prepared: PreparedTarget | null = null;
  let createdRoles: string[] = [];
  let createdTablespaces: string[] = [];
  let succeeded = false;
  let maintenance: Awaited<ReturnType<typeof connectMaintenance>> | null = null;
  const registry = new TempRegistry(env);
  const appName = runApplicationName(req.purpose ?? 'restore');
  // Straight from storage nothing long comes before the target is prepared: the maintenance
  // connection opens while the way and the tool are chosen (it changes nothing until then).
  const straight = !copy && restoresStraightFromStorage(source, plan, { transforms: req.transforms?.length ?? 0, tocFilter: tocFilter !== undefined });
  let connecting = straight ? connectMaintenance(conn) : null;
  connecting?.catch(() => undefined);
  try {
    const download = (): Promise<ScratchFile> => downloadToScratch(source, { env, transforms: req.transforms, signal, onBytes: countRead, what });
    let ranged: RangedCopy | null = null;
    const way = await chooseWay(planned, req, copy, tocFilter !== undefined, read, signal, what);
    if (connecting && (way.kind === 'local-copy' || way.kind === 'seek-copy')) {
      // The whole backup is downloaded first (no usable index): no session sits idle meanwhile.
      const idle = connecting;
      connecting = null;
      await (await idle.catch(() => null))?.end().catch(() => undefined);
    }
    if (!scratch && (way.kind === 'local-copy' || way.kind === 'seek-copy')) {
      if (source.file?.inPlace && !req.transforms?.length) {
        // A file on disk is read where it lies (the same checks, no copy); encrypted ones are decrypted into a copy.
        progress.setPhase('checking', source.sizeBytes);
        scratch = await checkFileInPlace(source, { signal, onBytes: countRead, what });
      } else {
        // Only some entries restored (tables, schemas, an extract): through the index when it can be
        // trusted. A file from disk is read whole (an index beside it is not looked for).
        const ranges = !source.file && (req.transforms ?? []).length === 0;
        const found = ranges && tocFilter && format === 'custom' ? await usableIndex(source) : { index: null, note: null };
        const plainTables = ranges && format === 'plain' ? (req.plainTables ?? []) : [];
        const plain = plainTables.length > 0 ? await usablePlainIndex(source) : { index: null, note: null };
        const note = found.note ?? plain.note;
        if (note) read.note = `${note}; the whole backup was downloaded instead`;
        if (plain.index) {
          progress.setPhase('downloading', null);
          scratch = await downloadPlainExtract(source, plain.index, plainTables, { env, signal, onBytes: countRead, what }).catch((e: unknown) => {
            if (!(e instanceof PlainIndexMismatch)) throw e;
            read.note = indexWrongNote(source.key, e);
            return null;
          });
          if (scratch) read.via = 'index';
        }
        if (found.index) {
          progress.setPhase('downloading', null);
          ranged = await downloadTocToScratch(source, found.index, { env, signal, onBytes: countRead, what }).catch((e: unknown) => {
            if (!(e instanceof IndexMismatch)) throw e;
            read.note = indexWrongNote(source.key, e);
            return null;
          });
        }
        if (ranged) read.via = 'index';
        else if (!scratch) progress.setPhase('downloading', source.sizeBytes);
        scratch = ranged ?? scratch ?? (await download());
      }
      if (way.kind === 'seek-copy') {
        await setDataOffsets(scratch.path, way.index).catch((e: unknown) => {
          if (!(e instanceof IndexMismatch)) throw e;
          read.note = indexWrongNote(source.key, e);
        });
      }
    }
    if (scratch?.plainComplete === false) throw incompletePlainDump(source.key);
    // Without a local copy there is always a manifest (restoresStraightFromStorage) to name the pg_dump.
    const header = headerFromBytes(source, scratch?.head ?? Buffer.alloc(0));
    const toolName = format === 'custom' ? 'pg_restore' : 'psql';
    const tool = await selectRestoreTool(toolName, header.pgDumpMajor, header.pgDumpVersion, req.pgBinDir, env);
    if (format === 'plain') requireRestrictingPsql(tool);
    throwIfAborted(signal, what);
    // Before anything is created: a table that is not in the backup changes nothing.
    if (scratch && format === 'custom' && !req.tocFilter && tables.length > 0) {
      // An unreadable TOC is pg_restore's to report, in the next step.
      ownedSequences = ownedSequenceIds(await readTocOfFile(scratch.path).catch(() => []), tables.map(parseQualifiedName));
    }
    if (scratch && format === 'custom' && tocFilter) list = await writeTocList(tool, scratch.path, source, tocFilter, env, signal, [conn.password], what);
    if (ranged && list) {
      try {
        await ranged.fetchData(dumpIdsOfList(list.text));
      } catch (e) {
        if (!(e instanceof IndexMismatch)) throw e;
        read.via = 'stream';
        read.note = indexWrongNote(source.key, e);
        await rm(list.file, { force: true });
        progress.setPhase('downloading', source.sizeBytes);
        scratch = await download();
        list = await writeTocList(tool, scratch.path, source, tocFilter as (toc: string) => string, env, signal, [conn.password], what);
      }
    }
    throwIfAborted(signal, what);

    progress.setPhase('preparing target');
    maintenance = await (connecting ?? connectMaintenance(conn));
    // The roles the archive needs, from its own table of contents (a manifest may be missing or
    // older), checked before the target is touched; with --with-globals, created first.
    let needed: ArchiveRoles | null = null;
    const rolesMatter = noOwner === false || noAcl === false || roles.createMissing;
    // An unreadable TOC is pg_restore's to report (next step), unless the roles depend on it. Without a
    // local copy (a restore straight from storage) the plan checked the tablespaces from the manifest.
    const toc = scratch && format === 'custom' ? await readTocOfFile(scratch.path).catch((e: unknown) => {
            if (rolesMatter) throw e;
            return null;
          }) : null;
    if (toc && rolesMatter) needed = rolesOfToc(toc);
    try {
      createdRoles = await ensureRoles(maintenance, { conn, roles, needed, manifest: source.manifest, key: source.key, storage: source.storage, env, signal });
      // The tablespaces, from the archive itself too; with --with-globals the missing ones are created (after the roles that own them).
      if (toc && !defaultTablespace) createdTablespaces = await ensureTablespaces(maintenance, { toc, createMissing: roles.createMissing, conn, source, env, signal });
    } catch (e) {
      throw describePgError(e, conn);
    }
    throwIfAborted(signal, what);
    prepared = await prepareTarget(maintenance, planned, env, req, registry);
    throwIfAborted(signal, what);
    const existing = prepared.kind === 'existing';
    const parallel = jobs > 1 && format === 'custom' && !existing;
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
    const archiveFile = format === 'custom' ? scratch?.path : undefined;

    progress.setPhase('restoring', way.kind === 'stream' ? source.sizeBytes : way.kind === 'ranged' ? way.index.archive.bytes : null);
    let input: Readable | undefined;
    const listFile = list?.file ?? null;
    try {
      if (format === 'plain' && scratch) input = source.parsed.gzip ? gunzipFile(scratch.path) : createReadStream(scratch.path);
      const archiveArgs = [...(noOwner ? ['--no-owner'] : []), ...(noAcl ? ['--no-acl'] : []), ...(defaultTablespace ? ['--no-tablespaces'] : []), ...(listFile ? [`--use-list=${listFile}`] : [])];
      const streamed = { tool, args: ['--no-password', '--exit-on-error', ...toolConn.args, ...archiveArgs], env: toolConn.env, signal, describe, secrets, what };
      if (way.kind === 'ranged') {
        const parallelRun = {
          source, index: way.index, jobs, tool, connArgs: toolConn.args, toolEnv: toolConn.env, archiveArgs, env, signal, describe, secrets, what,
          onStoredBytes: (n: number) => void (read.bytes += n),
          onRestoredBytes: (n: number) => progress.addBytes(n),
        };
        try {
          await restoreInParallelFromIndex(parallelRun, way.head);
        } catch (e) {
          if (!(e instanceof IndexMismatch)) throw e;
          // Some tables may be half-loaded from a block the index placed wrongly: start again from an
          // empty database, along the streaming path, which needs no index.
          read.note = indexWrongNote(source.key, e);
          read.via = 'stream';
          await terminateRunBackends(maintenance, appName);
          await dropDatabase(maintenance, prepared.database);
          await createDatabase(maintenance, conn, prepared.database);
          progress.setPhase('restoring', source.sizeBytes);
          await streamIntoPgRestore(source, streamed, countRead);
        }
      } else if (way.kind === 'stream') {
        await streamIntoPgRestore(source, streamed, countRead);
      } else if (!psql && archiveFile) {
        const args = ['--no-password', '--exit-on-error', ...toolConn.args, ...archiveArgs, ...(parallel ? [`--jobs=${jobs}`] : []), archiveFile];
        await runRestoreTool({ tool, args, env: toolConn.env, signal, describe, secrets, what });
      } else if (psql) {
        const sqlSource: SqlSource =
          format === 'plain' && input ? { kind: 'plain', stream: input } : { kind: 'archive', pgRestore: tool, args: ['--file=-', ...archiveArgs, ...(archiveFile ? [archiveFile] : [])], env: toolConn.env };
        const preamble = [
          ...(existing && lockTimeout > 0 ? [`SET lock_timeout = '${lockTimeout}s';`] : []),
          // "Replace" means the same for both formats: the database is emptied, then restored.
          ...(action === 'replace' ? [CLEAN_PREAMBLE] : []),
        ];
        const target = prepared.database;
        const m = maintenance;
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
          onLockTimeout: () => lockTimeoutError(m, target, conn.display, appName, lockTimeout),
        });
      }
    } catch (e) {
      input?.destroy();
      if (signal?.aborted) throw cancelledError(what);
      if (e instanceof LifeboatError) throw e;
      throw describeStreamError(e, source.key);
    }
    // The last figures of the restoring phase (100% of what was read) before the phase changes.
    progress.flush();
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
      plan,
      read: copy ? { via: 'stream', bytes: 0, storedBytes: source.sizeBytes } : read,
    };
  } finally {
    if (list) await rm(list.file, { force: true });
    // A copy the caller handed in is the caller's to remove.
    if (!copy) await scratch?.remove();
    if (!succeeded && maintenance) {
      // A killed psql's backend may still hold locks (waiting, or mid-statement): end it now.
      await terminateRunBackends(maintenance, appName).catch(() => undefined);
      if (prepared?.created) {
        progress.setPhase('cleaning up');
        await dropDatabase(maintenance, prepared.database).catch(() => undefined);
        await registry.remove(prepared.database, conn.display).catch(() => undefined);
      }
      // Tablespaces and roles this run created hold and own nothing once the restore is undone: the server is left as it was.
      if (createdTablespaces.length > 0) await dropTablespaces(maintenance, createdTablespaces);
      if (createdRoles.length > 0) await dropRoles(maintenance, createdRoles);
    }
    await (maintenance ?? (await connecting?.catch(() => null)))?.end().catch(() => undefined);
  }
}

function incompletePlainDump(key: string): LifeboatError {
  return new LifeboatError(
    'INTEGRITY_FAILED',
    `Backup ${key} is plain SQL that does not end with pg_dump's "-- PostgreSQL database dump complete" line: pg_dump stopped before the end, so it was not restored and nothing was changed. Restore another backup.`,
  );
}

function dirOf(file: string): string {
  return path.dirname(file);
}

/**
 * Makes the target the plan described, checking again that the server still matches it (another
 * session may have created, filled or dropped the database since the plan was made).
 */
async function prepareTarget(
  maintenance: Awaited<ReturnType<typeof connectMaintenance>>,
  planned: PlannedRestore,
  env: NodeJS.ProcessEnv,
  req: RestoreRequest,
  registry: TempRegistry,
): Promise<PreparedTarget> {
  const { plan, source, conn, at } = planned;
  const name = plan.destination.database;
  const purpose = req.purpose ?? 'restore';
  try {
    if (plan.destination.action === 'create-temporary') {
      const record = { server: conn.display, serverUrl: conn.url, createdAt: new Date().toISOString(), key: source.key, purpose } as const;
      const created = await createTempDatabase(maintenance, conn, registry, record, backupDatabaseName(source), at);
      return { database: created, kind: 'temporary', created: true };
    }
    const exists = await databaseExists(maintenance, name);
    if (plan.destination.action === 'create') {
      if (exists) throw new LifeboatError('TARGET_EXISTS', `Database "${name}" already exists on ${conn.display}.`, { hint: { kind: 'new-name-or-replace' } });
      // Recorded before it exists: a kill -9 mid-restore leaves it listed as interrupted.
      await registry.add({ name, server: conn.display, serverUrl: conn.url, createdAt: new Date().toISOString(), key: source.key, purpose, state: 'restoring', ...restoringOwner(), kind: 'new' });
      try {
        await createDatabase(maintenance, conn, name);
      } catch (e) {
        await registry.remove(name, conn.display).catch(() => undefined);
        throw e;
      }
      return { database: name, kind: 'new', created: true };
    }
    if (!exists) throw new LifeboatError('PG_DATABASE_MISSING', `Database "${name}" does not exist on ${conn.display} (any more), so there is nothing to replace.`, { hint: { kind: 'create-instead' } });
    if (plan.destination.action === 'fill-empty') {
      await refuseInterrupted(registry, name, conn.display);
      const n = await countObjects(conn, name);
      if (n > 0) throw notEmptyError(name, conn.display, n);
    }
    return { database: name, kind: 'existing', created: false };
  } catch (e) {
    throw describePgError(e, conn);
  }
}

function pipeStages(input: Readable, stage: NodeJS.ReadWriteStream): Readable {
  return (pipeline as unknown as (...s: unknown[]) => Readable)(input, stage, () => undefined);
}

function gunzipFile(file: string): Readable {
  return pipeStages(createReadStream(file), createGunzip());
}

/**
 * Lists the archive's table of contents, lets the caller rewrite it, and writes it for --use-list.
 * `pg_restore --list` reads only the header and TOC and connects to no server.
 */
async function writeTocList(
  tool: PgToolCandidate,
  archiveFile: string,
  source: BackupSource,
  tocFilter: (toc: string) => string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  secrets: readonly (string | null)[],
  what: string,
): Promise<{ file: string; text: string }> {
  const toc = await runRestoreTool({
    tool,
    args: ['--list', archiveFile],
    env,
    signal,
    describe: `pg_restore ${tool.version} could not read the table of contents of ${source.key}`,
    secrets,
    captureStdout: true,
    what,
  });
  const filtered = tocFilter(toc);
  if (filtered.trim() === '') {
    throw new LifeboatError('NOT_FOUND', `Nothing in backup ${source.key} matches the tables or schemas asked for; check the names (schema.table) or restore it whole.`, { hint: { kind: 'choose-table' } });
  }
  const dir = scratchDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, scratchName('toc', '.list'));
  await writeFile(file, filtered, { mode: 0o600 });
  return { file, text: filtered };
}

/** The dump ids of a pg_restore list's entries ("3365; 0 16390 TABLE DATA …"). */
function dumpIdsOfList(list: string): number[] {
  return [...list.matchAll(/^\s*(\d+);/gm)].map((m) => Number(m[1]));
}

function indexWrongNote(key: string, e: Error): string {
  return `The archive index of ${key} is wrong (${e.message}); the whole backup was downloaded instead. \`lifeboat index --key ${key} --force\` rebuilds it.`;
}

/**
 * How this run reads the backup: into a local copy first (today's path; `seek-copy` also sets the
 * data offsets from the index), streamed into one pg_restore, or by ranged reads into parallel ones.
 * The ranged way reads and checks the header and table of contents here, before anything is created.
 */
type ReadWay = { kind: 'local-copy' } | { kind: 'stream' } | { kind: 'seek-copy'; index: ArchiveIndex } | { kind: 'ranged'; index: ArchiveIndex; head: CheckedHead };

async function chooseWay(planned: PlannedRestore, req: RestoreRequest, copy: ScratchFile | undefined, tocFilter: boolean, read: BackupRead, signal: AbortSignal | undefined, what: string): Promise<ReadWay> {
  const { source, plan, jobs } = planned;
  const env = req.env ?? process.env;
  if (copy || !restoresStraightFromStorage(source, plan, { transforms: req.transforms?.length ?? 0, tocFilter })) return { kind: 'local-copy' };
  // Before anything is created: no key, nothing touched.
  if (source.encryption?.unavailable) throw source.encryption.unavailable;
  if (jobs === 1) return { kind: 'stream' };
  const found = await usableIndex(source);
  if (!found.index) {
    if (found.note) read.note = `${found.note}; the whole backup was downloaded instead`;
    return { kind: 'local-copy' };
  }
  if (wantsLocalCopy(env)) return { kind: 'seek-copy', index: found.index };
  try {
    const head = await readHeadForParallelRestore(source, found.index, env, (n) => void (read.bytes += n), signal, what);
    read.via = 'index';
    return { kind: 'ranged', index: found.index, head };
  } catch (e) {
    if (!(e instanceof IndexMismatch)) throw e;
    read.note = indexWrongNote(source.key, e);
    return { kind: 'stream' };
  }
}
