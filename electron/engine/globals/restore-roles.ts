// What a restore does about the roles a backup refers to, decided before anything changes: the
// plan names the missing ones, a restore that keeps owners or privileges stops on them unless it
// may create them (--with-globals), and with it creates them first from the backup's globals.
import type pg from 'pg';
import type { BackupManifest } from '../../../shared/manifest.js';
import type { RestorePlan } from '../../../shared/restore-plan.js';
import { LifeboatError } from '../errors.js';
import type { PgConnection } from '../pg/connection.js';
import { describePgError } from '../pg/pg-errors.js';
import type { BackupSource } from '../restore/backup-source.js';
import type { RestoreRequest } from '../restore/restore-request.js';
import { connectMaintenance } from '../restore/target-database.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import type { ArchiveRoles } from './archive-roles.js';
import { createRoles, listRoles, missingRoles, planRoleCreation } from './create-roles.js';
import { readGlobals } from './globals-sidecar.js';
import { parseGlobals } from './parse-globals.js';

export type PlannedRoles = NonNullable<RestorePlan['roles']>;

/** Owners and privileges are restored only when asked (--keep-owner, --keep-acl, or --with-globals). */
export function keptOwnership(req: RestoreRequest): { keepOwners: boolean; keepPrivileges: boolean } {
  const withGlobals = req.withGlobals ?? false;
  return { keepOwners: req.noOwner === undefined ? withGlobals : !req.noOwner, keepPrivileges: req.noAcl === undefined ? withGlobals : !req.noAcl };
}

/** The roles a restore with these choices needs on the target. */
export function rolesThatMatter(roles: ArchiveRoles, kept: { keepOwners: boolean; keepPrivileges: boolean }): string[] {
  return [...new Set([...(kept.keepOwners ? roles.owners : []), ...(kept.keepPrivileges ? roles.grantees : [])])].sort();
}

export function rolesMissingError(missing: readonly string[], server: string): LifeboatError {
  return new LifeboatError(
    'ROLES_MISSING',
    `The backup's objects belong to or are granted to roles that ${server} does not have (${listRoles(missing)}), so nothing was restored.`,
    { hint: { kind: 'create-missing-roles' } },
  );
}

/**
 * The roles part of a plan. Reads the target's roles (changing nothing); throws when the restore
 * cannot go ahead (roles missing without --with-globals, or --with-globals without globals), unless
 * only planning, when it warns instead.
 */
export async function planRoles(conn: PgConnection, req: RestoreRequest, source: BackupSource, dryRun: boolean): Promise<{ roles: PlannedRoles; steps: string[]; warnings: string[] }> {
  const kept = keptOwnership(req);
  const createMissing = req.withGlobals ?? false;
  const m = source.manifest;
  const steps: string[] = [];
  const warnings: string[] = [];
  const refuse = (e: LifeboatError): void => {
    if (!dryRun) throw e;
    warnings.push(e.message);
  };
  const noGlobals = { hint: { kind: 'roles-without-globals' } } as const;
  if (createMissing && source.file) refuse(new LifeboatError('BAD_INPUT', 'Missing roles are created from the globals recorded with a backup in storage, and a file from disk has none.', noGlobals));
  else if (createMissing && !m?.globals) refuse(new LifeboatError('NOT_FOUND', `Backup ${source.key} has no globals recorded${m?.globalsWarning ? ` (${m.globalsWarning})` : ''}, so the missing roles cannot be created from them.`, noGlobals));

  let missing: string[] | null = null;
  if (m?.roles && source.parsed.format === 'custom') {
    const all = [...new Set([...m.roles.owners, ...m.roles.grantees])];
    const client = await connectMaintenance(conn).catch((e: unknown) => {
      throw describePgError(e, conn);
    });
    try {
      missing = await missingRoles(client, all);
    } finally {
      await client.end().catch(() => undefined);
    }
    const blocking = missing.filter((r) => rolesThatMatter(m.roles as ArchiveRoles, kept).includes(r));
    if (blocking.length > 0 && !createMissing) refuse(rolesMissingError(blocking, conn.display));
    if (missing.length > 0 && blocking.length === 0) {
      warnings.push(`The backup refers to roles that ${conn.display} does not have (${listRoles(missing)}); ownership and privileges are not restored, so everything will belong to the restoring role.`);
    }
    if (blocking.length > 0 && createMissing) steps.push(`Create the missing roles ${listRoles(blocking)} (and the groups they belong to) from the globals recorded with the backup, in one transaction; existing roles are never changed, SUPERUSER, REPLICATION, BYPASSRLS and membership in the predefined pg_ roles are never given, and the roles are dropped again if the restore fails.`);
  } else if (createMissing) {
    steps.push('Create the roles the backup refers to that the target lacks, from the globals recorded with the backup (they are known once the backup is read), in one transaction; existing roles are never changed, SUPERUSER, REPLICATION, BYPASSRLS and membership in the predefined pg_ roles are never given, and the roles are dropped again if the restore fails.');
  }
  return { roles: { ...kept, missing, createMissing }, steps, warnings };
}

/**
 * At restore time, once the archive is here and before the target is touched: the roles it needs
 * (from its table of contents; for plain SQL, every role the globals define) that the target
 * lacks. Stops without --with-globals; with it creates them and returns their names.
 */
export async function ensureRoles(client: pg.Client, opts: { conn: PgConnection; roles: PlannedRoles; needed: ArchiveRoles | null; manifest: BackupManifest | null; key: string; storage: BackupSource['storage']; env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined }): Promise<string[]> {
  const { roles } = opts;
  if (!roles.keepOwners && !roles.keepPrivileges && !roles.createMissing) return [];
  const wantedNames = opts.needed ? rolesThatMatter(opts.needed, roles) : null;
  const missing = wantedNames ? await missingRoles(client, wantedNames) : null;
  if (!roles.createMissing) {
    if (missing && missing.length > 0) throw rolesMissingError(missing, opts.conn.display);
    return [];
  }
  if (missing && missing.length === 0) return [];
  if (!opts.manifest) throw new LifeboatError('NOT_FOUND', `Backup ${opts.key} has no manifest, so it has no globals to create roles from.`, { hint: { kind: 'roles-without-globals' } });
  const globals = parseGlobals(await readGlobals(opts.storage, opts.manifest, keychainKeyResolver(opts.env), opts.signal));
  const plan = await planRoleCreation(client, globals, missing ?? [...globals.roles.keys()], opts.key);
  return createRoles(client, plan);
}
