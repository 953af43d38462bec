// `lifeboat restore --group ID --server URL`: a set from `backup --all-databases` restored as a
// set. Every database is planned first (each must be new on the server), then the roles the set
// needs are created from its globals, then each database is restored with every safety of a
// single restore (owners and privileges included).
import { GROUP_ID_PATTERN } from '../../../shared/manifest.js';
import type { BackupManifest } from '../../../shared/manifest.js';
import { listBackups, readManifest } from '../backup/list-backups.js';
import { resolveTarget } from '../backup/run-backup.js';
import { LifeboatError, throwIfAborted } from '../errors.js';
import { createRoles, dropRoles, listRoles, missingRoles, planRoleCreation } from '../globals/create-roles.js';
import { readGlobals } from '../globals/globals-sidecar.js';
import { parseGlobals } from '../globals/parse-globals.js';
import { parsePgConnection, withDatabase } from '../pg/connection.js';
import { describePgError } from '../pg/pg-errors.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import { openStorage } from '../storage/open-storage.js';
import type { StorageTarget } from '../storage/target.js';
import type { ProgressListener } from '../jobs/progress-reporter.js';
import { planRestore } from './plan-restore.js';
import type { RestoreRequest, RestoreResult } from './restore-request.js';
import { runRestore } from './run-restore.js';
import { connectMaintenance } from './target-database.js';

/** The maintenance database every server has: never restored over as part of a set. */
const MAINTENANCE_DATABASE = 'postgres';

export interface GroupRestoreRequest {
  to?: string | StorageTarget | undefined;
  groupId: string;
  /** libpq URL of the server; each database is restored into a new database of its own name there. */
  server: string;
  pgBinDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  /** Every object of every database in that database's default tablespace (pg_restore --no-tablespaces). */
  noTablespaces?: boolean | undefined;
  /** pg_restore jobs for each database of the set, one database after the other (restore --jobs). */
  jobs?: number | undefined;
}

export interface GroupRestoreResult {
  groupId: string;
  rolesCreated: string[];
  restored: RestoreResult[];
  /** Backups of the set not restored, and why (the maintenance database). */
  skipped: { database: string; key: string; reason: string }[];
}

export async function restoreGroup(req: GroupRestoreRequest): Promise<GroupRestoreResult> {
  const env = req.env ?? process.env;
  if (!GROUP_ID_PATTERN.test(req.groupId)) {
    throw new LifeboatError('BAD_INPUT', `"${req.groupId.slice(0, 100)}" is not a set id; copy one from \`lifeboat list\` (e.g. set_20261201_030000_3f9a1c).`);
  }
  const conn = parsePgConnection(req.server, env);
  if (!conn.url) throw new LifeboatError('BAD_INPUT', 'Give the server to restore the set into as a URL: --server postgresql://user@host:5432/postgres.');
  const target = resolveTarget(req.to, env);
  const storage = openStorage(target);
  await storage.checkReadable();
  const members = (await listBackups(storage, { prefix: target.prefix })).filter((e) => e.group?.id === req.groupId);
  if (members.length === 0) throw new LifeboatError('NOT_FOUND', `No backups of set ${req.groupId} in ${storage.display}; check the id with \`lifeboat list\`.`, { hint: { kind: 'list-backups' } });
  const size = members[0]?.group?.size ?? 0;
  if (members.length !== size) {
    throw new LifeboatError('NOT_FOUND', `Set ${req.groupId} is incomplete in ${storage.display}: ${members.length} of its ${size} backups are there (${members.map((m) => m.dbName).join(', ')}); restore them one by one with --key instead.`);
  }
  const manifests: BackupManifest[] = [];
  for (const m of members) {
    const manifest = await readManifest(storage, m.key);
    if (!manifest) throw new LifeboatError('MANIFEST_DAMAGED', `Backup ${m.key} of set ${req.groupId} has lost its manifest; restore the set's backups one by one with --key.`);
    manifests.push(manifest);
  }
  const skipped = manifests.filter((m) => m.database === MAINTENANCE_DATABASE).map((m) => ({ database: m.database, key: m.key, reason: `every server has its own "${MAINTENANCE_DATABASE}" database; restore this backup into it deliberately with \`lifeboat restore --key ${m.key} --target …/${MAINTENANCE_DATABASE} --clean --yes --allow-system-database\`` }));
  const chosen = manifests.filter((m) => m.database !== MAINTENANCE_DATABASE).sort((a, b) => (a.database < b.database ? -1 : 1));
  const requestFor = (m: BackupManifest): RestoreRequest => ({
    to: target, key: m.key, target: withDatabase(req.server, m.database), mode: 'create', noOwner: false, noAcl: false, noTablespaces: req.noTablespaces ?? false, jobs: req.jobs, pgBinDir: req.pgBinDir, env, signal: req.signal, onProgress: req.onProgress,
  });
  // Before anything changes: every database can be created (none exists yet), every backup resolves,
  // and the server has the tablespaces they use (a plan only warns; a set stops here, so that no
  // database of it is restored before one that cannot be).
  const lacking: string[] = [];
  for (const m of chosen) {
    const { plan } = await planRestore(requestFor(m), { dryRun: true });
    const missing = plan.tablespaces?.action === 'keep' ? (plan.tablespaces.missing ?? []) : [];
    if (missing.length > 0) lacking.push(`${listRoles(missing)} for "${m.database}"`);
  }
  if (lacking.length > 0) {
    throw new LifeboatError('TABLESPACES_MISSING', `Set ${req.groupId} puts objects in tablespaces that ${conn.display} does not have (${lacking.join('; ')}), so nothing was restored; add --no-tablespaces to put everything in each database's default tablespace, or create them on the server first.`);
  }
  throwIfAborted(req.signal, 'The restore');

  const client = await connectMaintenance(conn).catch((e: unknown) => {
    throw describePgError(e, conn);
  });
  let rolesCreated: string[] = [];
  const restored: RestoreResult[] = [];
  try {
    const needed = [...new Set(chosen.flatMap((m) => [...(m.roles?.owners ?? []), ...(m.roles?.grantees ?? [])]))];
    const missing = await missingRoles(client, needed);
    if (missing.length > 0) {
      const holder = manifests.find((m) => m.globals);
      if (!holder) throw new LifeboatError('NOT_FOUND', `Set ${req.groupId} has no globals recorded${manifests.find((m) => m.globalsWarning)?.globalsWarning ? ` (${manifests.find((m) => m.globalsWarning)?.globalsWarning})` : ''}, so the roles it needs cannot be created; create them yourself, then restore again.`);
      const globals = parseGlobals(await readGlobals(storage, holder, keychainKeyResolver(env), req.signal));
      rolesCreated = await createRoles(client, await planRoleCreation(client, globals, missing, holder.key));
    }
    for (const m of chosen) {
      try {
        restored.push(await runRestore(requestFor(m)));
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        const done = restored.map((r) => r.database);
        const left = chosen.slice(restored.length).map((x) => x.database);
        throw new LifeboatError(e instanceof LifeboatError ? e.code : 'PG_RESTORE_FAILED', `Restoring set ${req.groupId} stopped at database "${m.database}": ${why} Restored before it (kept): ${done.length > 0 ? done.join(', ') : 'none'}; not restored: ${left.join(', ')}.`);
      }
    }
  } catch (e) {
    // Nothing of the set was restored: the roles created for it go again, leaving the server as it was.
    if (restored.length === 0 && rolesCreated.length > 0) await dropRoles(client, rolesCreated);
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
  return { groupId: req.groupId, rolesCreated, restored, skipped };
}
