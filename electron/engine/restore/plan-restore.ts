import type pg from 'pg';
import type { RestoreAction, RestorePlan } from '../../../shared/restore-plan.js';
import { tempDatabaseName } from '../../../shared/temp-database.js';
import { formatBytes } from '../../../shared/progress.js';
import { LifeboatError } from '../errors.js';
import { asPgConnection, type PgConnection } from '../pg/connection.js';
import { withTunnel } from '../ssh/with-tunnel.js';
import { describePgError } from '../pg/pg-errors.js';
import { connectClient, readServerInfo } from '../pg/server-info.js';
import { planRoles } from '../globals/restore-roles.js';
import { planTablespaces } from '../globals/restore-tablespaces.js';
import { resolveBackup, type BackupSource } from './backup-source.js';
import { restoresStraightFromStorage } from './straight-restore.js';
import { resolveFileSource } from './file-source.js';
import { recordState } from './interrupted.js';
import type { RestoreMode, RestoreRequest } from './restore-request.js';
import { connectMaintenance, databaseExists, databaseInUrl, onDatabase, refuseSystemDatabase, userObjectCount } from './target-database.js';
import { TempRegistry } from './temp-registry.js';

const MAX_JOBS = 64;
/** How long a restore over an existing database waits for another session's locks (--lock-timeout). */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 10;
const MAX_LOCK_TIMEOUT_SECONDS = 86_400;

/** A plan and what executing it needs: the resolved backup (never resolved twice) and the checked options. */
export interface PlannedRestore {
  plan: RestorePlan;
  source: BackupSource;
  conn: PgConnection;
  at: Date;
  jobs: number;
  lockTimeout: number;
}

export interface PlanOptions {
  /** The backup, already resolved (verify reads it before restoring it): not looked up again. */
  source?: BackupSource | undefined;
  /** Only planning (--dry-run): --clean needs no --yes to be shown. */
  dryRun?: boolean | undefined;
  /** Where the backup was taken (the app knows): warns when the target is the same server or database. */
  origin?: { server: string; database: string } | undefined;
}

function validate(req: RestoreRequest, dryRun: boolean): { mode: RestoreMode; jobs: number; lockTimeout: number } {
  const mode = req.mode ?? 'auto';
  const jobs = req.jobs ?? 1;
  const lockTimeout = req.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
  if (!Number.isInteger(lockTimeout) || lockTimeout < 0 || lockTimeout > MAX_LOCK_TIMEOUT_SECONDS) {
    throw new LifeboatError('BAD_INPUT', `--lock-timeout must be a whole number of seconds from 0 (wait as long as it takes) to ${MAX_LOCK_TIMEOUT_SECONDS}; got ${String(req.lockTimeoutSeconds)}.`);
  }
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) throw new LifeboatError('BAD_INPUT', `--jobs must be a whole number from 1 to ${MAX_JOBS}; got ${String(req.jobs)}.`);
  if (mode === 'clean' && !req.confirmed && !dryRun) {
    throw new LifeboatError('BAD_INPUT', '--clean replaces everything in the target database; add --yes to confirm that this is what you want (or --dry-run to see the plan first).');
  }
  if (mode === 'clean' && jobs > 1) {
    throw new LifeboatError('BAD_INPUT', '--jobs cannot be combined with --clean: a restore over an existing database runs in one transaction so that a failure changes nothing. Drop --jobs, or restore into a new database.');
  }
  const selective = (req.tables?.length ?? 0) > 0 || (req.schemas?.length ?? 0) > 0;
  if (mode === 'clean' && selective) {
    throw new LifeboatError('BAD_INPUT', '--clean replaces the whole database with the whole backup, so it cannot be combined with --tables or --schemas; restore those into a new or temporary database (--temp) instead.');
  }
  for (const name of [...(req.tables ?? []), ...(req.schemas ?? [])]) {
    if (name.trim() === '') throw new LifeboatError('BAD_INPUT', 'An empty name was given to --tables or --schemas; list names separated by commas, e.g. --tables sales.orders,public.users.');
  }
  return { mode, jobs, lockTimeout };
}

/** The first lifeboat_<db>_<time>[_N] name not taken on the server (the execution tries the same order). */
export async function freeTempName(client: pg.Client, dbName: string, at: Date, from = 1): Promise<{ name: string; index: number }> {
  for (let i = from; i < 100; i++) {
    const name = tempDatabaseName(dbName, at, i === 1 ? '' : `_${i}`);
    if (!(await databaseExists(client, name))) return { name, index: i };
  }
  throw new LifeboatError('TARGET_EXISTS', 'Could not find a free name for the temporary database.', { hint: { kind: 'drop-temp-databases' } });
}

/** The database the backup is of: what temporary databases are named after. */
export function backupDatabaseName(source: BackupSource): string {
  return source.manifest?.database ?? source.parsed.dbName;
}

/** A database left by an interrupted restore is named as such, not as merely "not empty". */
export async function refuseInterrupted(registry: TempRegistry, name: string, server: string): Promise<void> {
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

export async function countObjects(conn: PgConnection, name: string): Promise<number> {
  const client = await connectClient(onDatabase(conn, name), conn.url ? undefined : name);
  try {
    return await userObjectCount(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function notEmptyError(name: string, server: string, n: number): LifeboatError {
  return new LifeboatError('TARGET_NOT_EMPTY', `Database "${name}" on ${server} is not empty (${n} objects).`, { hint: { kind: 'new-name-or-replace' } });
}

interface Destination {
  database: string;
  action: RestoreAction;
  exists: boolean;
  objectCount: number | null;
  serverVersion: string;
  serverMajor: number;
}

/** Reads (never changes) the target server: which database, whether it exists, what is in it. */
async function planDestination(conn: PgConnection, env: NodeJS.ProcessEnv, mode: RestoreMode, source: () => Promise<BackupSource>, req: RestoreRequest, jobs: number, at: Date): Promise<Destination> {
  const maintenance = await connectMaintenance(conn);
  try {
    const info = await readServerInfo(maintenance, conn);
    const server = { serverVersion: info.version, serverMajor: info.major };
    if (mode === 'temp') {
      const { name } = await freeTempName(maintenance, backupDatabaseName(await source()), at);
      return { ...server, database: name, action: 'create-temporary', exists: false, objectCount: null };
    }
    const name = databaseInUrl(conn, env);
    if (!name) throw new LifeboatError('BAD_INPUT', 'The target URL names no database; write it as postgresql://user@host:5432/newdb, or use --temp.');
    await refuseSystemDatabase(maintenance, name, conn.display, req.allowSystemDatabase ?? false);
    const exists = await databaseExists(maintenance, name);
    const registry = new TempRegistry(env);
    if (exists && mode !== 'clean') await refuseInterrupted(registry, name, conn.display);
    if (mode === 'create' || (mode === 'auto' && !exists)) {
      if (exists) throw new LifeboatError('TARGET_EXISTS', `Database "${name}" already exists on ${conn.display}.`, { hint: { kind: 'new-name-or-replace' } });
      return { ...server, database: name, action: 'create', exists: false, objectCount: null };
    }
    if (!exists) throw new LifeboatError('PG_DATABASE_MISSING', `Database "${name}" does not exist on ${conn.display}, so there is nothing to replace.`, { hint: { kind: 'create-instead' } });
    const objectCount = await countObjects(conn, name);
    if (mode === 'auto') {
      if (objectCount > 0) throw notEmptyError(name, conn.display, objectCount);
      if (jobs > 1) {
        throw new LifeboatError('BAD_INPUT', `--jobs cannot restore into the existing database "${name}": that restore runs in one transaction so that a failure changes nothing. Drop --jobs, or restore into a new database.`);
      }
      return { ...server, database: name, action: 'fill-empty', exists: true, objectCount };
    }
    return { ...server, database: name, action: 'replace', exists: true, objectCount };
  } catch (e) {
    throw describePgError(e, conn);
  } finally {
    await maintenance.end().catch(() => undefined);
  }
}

/**
 * `first`'s value once every promise has settled; the first rejection in argument order is thrown
 * (a later step's failure never hides an earlier one's, and nothing is left rejecting unheard).
 */
async function firstFailureInOrder<T>(first: Promise<T>, rest: readonly Promise<unknown>[]): Promise<T> {
  const settled = await Promise.allSettled([first, ...rest]);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return first;
}

/** The backup in storage the request names, or the file on disk it gives (never both). */
async function resolveSource(req: RestoreRequest, env: NodeJS.ProcessEnv): Promise<BackupSource> {
  if (req.file === undefined) return resolveBackup(req, env);
  if (req.key || req.latest) throw new LifeboatError('BAD_INPUT', 'A file and a backup in storage were both given; restore either the file (--file) or a backup (--key or --latest).');
  return resolveFileSource(req.file, env);
}

/** The plan's first step: how the backup's bytes are read and checked before anything is changed. */
function readStep(source: BackupSource, encrypted: boolean, straight: { jobs: number } | null): string {
  const m = source.manifest;
  if (straight) {
    const how = straight.jobs > 1 ? `with ${straight.jobs} pg_restore workers reading their tables by ranged requests when it has an archive index (else into a private local copy first)` : 'into pg_restore as it downloads, with no local copy';
    return `Read ${source.key} (${formatBytes(source.sizeBytes)}) from ${source.storage.display} straight ${how}${encrypted ? ', decrypting it with the key from this keychain' : ''}, checking its size and SHA-256 against the manifest as it passes; if any check or step fails, the new database is dropped.`;
  }
  const format = source.parsed.format;
  const checks = `${m ? ', checking its size and SHA-256 against the manifest' : ', reading it to the end'}${format === 'plain' ? '; a plain SQL dump that does not end with pg_dump\'s "dump complete" line is refused here' : ''}`;
  const size = formatBytes(source.sizeBytes);
  if (source.file?.inPlace) return `Read the file ${source.key} (${size}) where it lies, never changing or copying it${m ? ' (its manifest sits beside it)' : ''}${checks}.`;
  if (source.file) return `Decrypt the file ${source.key} (${size}) once into a private local copy with the key from this keychain, never changing the file${checks}.`;
  return `Download ${source.key} (${size}) from ${source.storage.display} once, to a private local copy${checks}${encrypted ? ', decrypting it with the key from this keychain' : ''}.`;
}

/**
 * Resolves the backup once and reads the target server (changing nothing) to say exactly what a
 * restore will do. `executeRestore` carries out this plan and nothing else; the app's review and
 * `lifeboat restore --dry-run` show it.
 */
export async function planRestore(req: RestoreRequest, opts: PlanOptions = {}): Promise<PlannedRestore> {
  const env = req.env ?? process.env;
  const { mode, jobs, lockTimeout } = validate(req, opts.dryRun ?? false);
  const conn = asPgConnection(req.target, env);
  // A plan on its own (--dry-run, the app's review) reads the target through a tunnel of its own.
  if (conn.ssh) return withTunnel(conn, req.signal, env, (direct) => planRestore({ ...req, target: direct }, opts));
  const tables = [...(req.tables ?? [])];
  const schemas = [...(req.schemas ?? [])];
  const at = (req.now ?? (() => new Date()))();
  // The backup is looked up while the target server is read (neither changes anything), then the
  // roles and tablespaces are checked side by side; a failure is reported in the order the steps
  // would meet them one after the other (the backup first).
  const resolved = opts.source ? Promise.resolve(opts.source) : resolveSource(req, env);
  const checked = resolved.then((source) => {
    // An extract (plainTables) is the one selection plain SQL allows: definitions plus those tables' rows.
    if (source.parsed.format === 'plain' && (tables.length > 0 || schemas.length > 0 || req.tocFilter !== undefined)) {
      throw new LifeboatError('BAD_INPUT', `Backup ${source.key} is plain SQL, which cannot be restored selectively; restore it whole (into a temporary database, for example) and copy what you need from there.`);
    }
    return source;
  });
  const destination = planDestination(conn, env, mode, () => resolved, req, jobs, at);
  // After the destination's connection worked: a wrong password is tried once, not three times.
  const ready = Promise.all([checked, destination]);
  const plannedRoles = ready.then(([source]) => planRoles(conn, req, source, opts.dryRun ?? false));
  const plannedTablespaces = ready.then(([source]) => planTablespaces(conn, req, source, opts.dryRun ?? false));
  const source = await firstFailureInOrder(checked, [destination, plannedRoles, plannedTablespaces]);
  const [dest, roles, tablespaces] = [await destination, await plannedRoles, await plannedTablespaces];
  const format = source.parsed.format;
  const m = source.manifest;
  const tool = format === 'custom' ? 'pg_restore' : 'psql';
  const encrypted = source.parsed.encrypted || Boolean(m?.encryption);
  const where = `"${dest.database}" on ${conn.display}`;
  const selectionWords = tables.length > 0 || schemas.length > 0 ? ` (only ${[...tables.map((t) => `table ${t}`), ...schemas.map((s) => `schema ${s}`)].join(', ')})` : '';

  const steps: string[] = [];
  const straight = restoresStraightFromStorage(source, { destination: dest, roles: roles.roles, selection: { tables, schemas } }, { transforms: req.transforms?.length ?? 0, tocFilter: req.tocFilter !== undefined });
  steps.push(readStep(source, encrypted, straight ? { jobs } : null));
  steps.push(...roles.steps);
  steps.push(...tablespaces.steps);
  switch (dest.action) {
    case 'create-temporary':
      steps.push(`Create the temporary database ${where} (recorded, so that it can be listed and dropped with \`lifeboat temp\`).`);
      break;
    case 'create':
      steps.push(`Create the new database ${where}; if the restore fails it is dropped again.`);
      break;
    case 'fill-empty':
      steps.push(`Restore into the existing, empty database ${where} in one transaction: a failure changes nothing.`);
      break;
    case 'replace':
      steps.push(
        `Replace everything in database ${where} in one transaction: drop every schema in it with all it holds (${dest.objectCount ?? 0} objects now, including tables the backup does not have) and every large object, then restore the backup. A failure changes nothing. The database itself, its owner, settings and privileges stay.`,
      );
      break;
  }
  const kept = roles.roles.keepOwners ? (roles.roles.keepPrivileges ? 'with ownership and privileges' : 'with ownership, without privileges') : roles.roles.keepPrivileges ? 'with privileges, without ownership' : 'without ownership and privileges';
  steps.push(`Restore the backup${selectionWords} with ${tool === 'pg_restore' ? 'pg_restore' : 'psql (ON_ERROR_STOP, no meta-commands)'}, ${kept}${jobs > 1 ? `, ${jobs} jobs in parallel` : ''}.`);

  const warnings: string[] = [...roles.warnings, ...tablespaces.warnings];
  if (dest.action === 'replace' && (dest.objectCount ?? 0) > 0) {
    warnings.push(`Database "${dest.database}" is not empty: all its ${dest.objectCount} objects will be dropped, also those the backup does not have, and replaced by the backup's.`);
  }
  if (!m) {
    warnings.push(
      source.file
        ? 'This file has no manifest beside it: its size and checksum cannot be checked, only that it reads to its end.'
        : 'This backup has no manifest (another tool wrote it): its size and checksum cannot be checked, only that it reads to its end.',
    );
  }
  if (m && dest.serverMajor > 0 && dest.serverMajor < Math.floor(m.server.versionNum / 10000)) {
    warnings.push(`The backup comes from PostgreSQL ${m.server.version}, newer than the target's ${dest.serverVersion}: the restore may fail on features the older server lacks.`);
  }
  if (opts.origin && opts.origin.server === conn.display) {
    if (dest.database === opts.origin.database) warnings.push(`The target is the source database itself ("${dest.database}" on ${conn.display}).`);
    else warnings.push(`The target is on the same server as the source (${conn.display}): the restore uses that server's disk and CPU.`);
  }
  const destructive = dest.action === 'replace';
  const plan: RestorePlan = {
    plannedAt: at.toISOString(),
    backup: {
      key: source.key,
      storage: source.storage.display,
      ...(source.fromCopy ? { fromCopy: source.fromCopy.note } : {}),
      createdAt: source.parsed.createdAt.toISOString(),
      sizeBytes: source.sizeBytes,
      database: backupDatabaseName(source),
      hasManifest: m !== null,
      serverVersion: m?.server.version ?? null,
      format,
      encrypted,
    },
    downloads: source.file?.inPlace ? [] : [{ key: source.key, bytes: source.sizeBytes }],
    destination: { server: conn.display, serverVersion: dest.serverVersion, database: dest.database, action: dest.action, exists: dest.exists, objectCount: dest.objectCount },
    selection: { tables, schemas },
    roles: roles.roles,
    tablespaces: tablespaces.tablespaces,
    tool,
    steps,
    warnings,
    destructive,
    confirmName: destructive ? dest.database : null,
  };
  return { plan, source, conn, at, jobs, lockTimeout };
}
