// Creates the roles a restore needs from a backup's globals, with statements Lifeboat builds
// itself: quoted names and allow-listed attributes only, never a line of the sidecar as it stands.
// Existing roles are never altered; everything happens in one transaction.
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../../../shared/row-format.js';
import { LifeboatError } from '../errors.js';
import type { Membership, ParsedGlobals, RoleDefinition } from './parse-globals.js';

/** Those of `names` that exist on the server. */
export async function existingRoles(client: pg.Client, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const r = await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])', [names]);
  return new Set(r.rows.map((row) => row.rolname));
}

export async function missingRoles(client: pg.Client, names: readonly string[]): Promise<string[]> {
  const existing = await existingRoles(client, names);
  return [...new Set(names)].filter((n) => !existing.has(n)).sort();
}

export function listRoles(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map((n) => JSON.stringify(n)).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

export interface RoleCreationPlan {
  roles: RoleDefinition[];
  /** Memberships of the new roles only (an existing role's memberships are never changed). */
  memberships: Membership[];
}

/**
 * The roles to create: the missing ones asked for, plus the missing groups they belong to (so
 * their memberships hold). A role the globals do not define stops it before anything is created.
 */
export async function planRoleCreation(client: pg.Client, globals: ParsedGlobals, wanted: readonly string[], backupKey: string): Promise<RoleCreationPlan> {
  const undefinedRoles = wanted.filter((n) => !globals.roles.has(n));
  if (undefinedRoles.length > 0) {
    throw new LifeboatError('ROLES_MISSING', `The globals recorded with ${backupKey} do not define ${listRoles(undefinedRoles)}, so Lifeboat cannot create them.`, { hint: { kind: 'roles-without-globals' } });
  }
  const existing = await existingRoles(client, [...globals.roles.keys()]);
  const create = new Set(wanted.filter((n) => !existing.has(n)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of globals.memberships) {
      if (create.has(m.member) && !create.has(m.role) && !existing.has(m.role) && globals.roles.has(m.role)) {
        create.add(m.role);
        grew = true;
      }
    }
  }
  const roles = [...create].sort().map((n) => globals.roles.get(n) as RoleDefinition);
  // Membership in the server's predefined roles (pg_execute_server_program, pg_read_server_files…)
  // is a server-wide power like SUPERUSER: never given from a file in storage.
  const memberships = globals.memberships.filter((m) => create.has(m.member) && !m.role.startsWith('pg_') && (create.has(m.role) || existing.has(m.role)));
  return { roles, memberships };
}

/**
 * Attributes that would hand the new role the whole server: never given from a file in storage
 * (anyone who can write to the bucket could otherwise mint a superuser). A DBA grants them by hand.
 */
const ELEVATED = new Set(['SUPERUSER', 'REPLICATION', 'BYPASSRLS']);

/** CREATE ROLE with the attributes read, each attribute once (the last one read wins), never an elevated one. */
export function createRoleStatement(r: RoleDefinition): string {
  const byAttribute = new Map<string, string>();
  for (const flag of r.flags) if (!ELEVATED.has(flag)) byAttribute.set(flag.replace(/^NO/, ''), flag);
  const options = [...byAttribute.values()];
  if (r.connectionLimit !== null) options.push(`CONNECTION LIMIT ${Math.trunc(r.connectionLimit)}`);
  if (r.validUntil !== null) options.push(`VALID UNTIL ${quoteLiteral(r.validUntil)}`);
  if (r.password !== null) options.push(`PASSWORD ${quoteLiteral(r.password)}`);
  return `CREATE ROLE ${quoteIdent(r.name)}${options.length > 0 ? ` WITH ${options.join(' ')}` : ''}`;
}

export function grantStatement(m: Membership): string {
  return `GRANT ${quoteIdent(m.role)} TO ${quoteIdent(m.member)}${m.admin ? ' WITH ADMIN OPTION' : ''}`;
}

/** Creates the planned roles and their memberships in one transaction; returns the names created. */
export async function createRoles(client: pg.Client, plan: RoleCreationPlan): Promise<string[]> {
  if (plan.roles.length === 0) return [];
  await client.query('BEGIN');
  try {
    for (const r of plan.roles) await client.query(createRoleStatement(r));
    for (const m of plan.memberships) await client.query(grantStatement(m));
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return plan.roles.map((r) => r.name);
}

/** Removes roles this run created, after a failed restore (they own nothing by then). */
export async function dropRoles(client: pg.Client, names: readonly string[]): Promise<void> {
  for (const n of [...names].reverse()) await client.query(`DROP ROLE IF EXISTS ${quoteIdent(n)}`).catch(() => undefined);
}
