// Tablespaces a restore needs on the target. pg_dump records, per object, the tablespace it lived
// in; pg_restore then says "SET default_tablespace = fast" and fails on a server without "fast".
// Restoring into another server, a DBA expects to be told which tablespaces are missing before
// anything changes, and to choose: put everything in the database's default tablespace
// (pg_restore --no-tablespaces), or create them first from the globals recorded with the backup,
// which only works where their directory already exists on the server, owned by the server's OS
// user: Lifeboat runs SQL, never a shell on the server, and a location read from storage is never
// created there. The checks read the server (pg_stat_file needs a superuser, as CREATE TABLESPACE does).
import type pg from 'pg';
import type { BackupManifest } from '../../../shared/manifest.js';
import type { RestorePlan } from '../../../shared/restore-plan.js';
import { quoteIdent, quoteLiteral } from '../../../shared/row-format.js';
import { LifeboatError } from '../errors.js';
import type { PgConnection } from '../pg/connection.js';
import { describePgError } from '../pg/pg-errors.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import type { BackupSource } from '../restore/backup-source.js';
import type { RestoreRequest } from '../restore/restore-request.js';
import { connectMaintenance } from '../restore/target-database.js';
import type { BackupStorage } from '../storage/storage.js';
import { listRoles } from './create-roles.js';
import { readGlobals } from './globals-sidecar.js';
import { parseGlobals, type TablespaceDefinition } from './parse-globals.js';

/** What a restore does about tablespaces: keep them as recorded, put everything in the default one, or create the missing ones first. */
export type TablespaceAction = 'keep' | 'default' | 'create';

/** The tablespaces a custom archive's objects live in (pg_default and "" mean the database's default). */
export function tablespacesOfToc(entries: readonly { tablespace: string | null }[]): string[] {
  const names = new Set<string>();
  for (const e of entries) if (e.tablespace && e.tablespace !== 'pg_default') names.add(e.tablespace);
  return [...names].sort();
}

export async function missingTablespaces(client: pg.Client, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const r = await client.query<{ spcname: string }>('SELECT spcname FROM pg_tablespace WHERE spcname = ANY($1::text[])', [names]);
  const existing = new Set(r.rows.map((row) => row.spcname));
  return names.filter((n) => !existing.has(n));
}

export interface TablespaceCheck {
  creatable: TablespaceDefinition[];
  /** One clause per tablespace that cannot be created, e.g. `"fast" at /srv/fast: the directory does not exist on db:5432`. */
  problems: string[];
}

/** A location as PostgreSQL would take it, and nothing that could climb out of where it points. */
function plainAbsolutePath(p: string): boolean {
  return p.startsWith('/') && !p.split('/').some((seg) => seg === '..' || seg === '.');
}

/**
 * Whether each missing tablespace can be created on the target, reading the server only: its
 * definition in the globals, the current role a superuser, the directory present, a directory,
 * and outside the server's data directory. Ownership by the server's OS user cannot be read over
 * SQL; CREATE TABLESPACE checks it, and a failure there undoes what the run created.
 */
export async function checkTablespaces(client: pg.Client, missing: readonly string[], defined: readonly TablespaceDefinition[], server: string): Promise<TablespaceCheck> {
  const creatable: TablespaceDefinition[] = [];
  const problems: string[] = [];
  const su = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  if (su.rows[0]?.rolsuper !== true) {
    return { creatable, problems: [`creating ${listRoles(missing)} needs a superuser on ${server}, and the restoring role is not one`] };
  }
  const dataDir = (await client.query<{ setting: string }>("SELECT setting FROM pg_settings WHERE name = 'data_directory'")).rows[0]?.setting ?? null;
  for (const name of missing) {
    const def = defined.find((t) => t.name === name);
    if (!def) {
      problems.push(`"${name}": the globals recorded with the backup do not define it`);
      continue;
    }
    const where = `"${name}" at ${def.location}`;
    if (!plainAbsolutePath(def.location)) {
      problems.push(`${where}: not a plain absolute path`);
      continue;
    }
    if (dataDir && (def.location === dataDir || def.location.startsWith(`${dataDir.replace(/\/+$/, '')}/`))) {
      problems.push(`${where}: it lies inside the server's data directory`);
      continue;
    }
    const stat = await client.query<{ isdir: boolean | null }>('SELECT (pg_stat_file($1, true)).isdir AS isdir', [def.location]);
    const isdir = stat.rows[0]?.isdir ?? null;
    if (isdir === null) problems.push(`${where}: the directory does not exist on ${server}`);
    else if (!isdir) problems.push(`${where}: it is a file on ${server}, not a directory`);
    else creatable.push(def);
  }
  return { creatable, problems };
}

export function tablespacesMissingError(missing: readonly string[], server: string): LifeboatError {
  return new LifeboatError('TABLESPACES_MISSING', `The backup puts objects in tablespaces that ${server} does not have (${listRoles(missing)}), so nothing was restored.`, { hint: { kind: 'missing-tablespaces' } });
}

export function tablespacesNotCreatableError(problems: readonly string[], server: string): LifeboatError {
  return new LifeboatError('TABLESPACES_MISSING', `The backup puts objects in tablespaces that ${server} does not have, and they cannot be created there: ${problems.join('; ')}. Nothing was restored.`, { hint: { kind: 'prepare-tablespace-dirs' } });
}

/** The tablespaces the globals recorded with the backup define (empty when it has none). */
export async function recordedTablespaces(storage: BackupStorage, manifest: BackupManifest | null, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<TablespaceDefinition[]> {
  if (!manifest?.globals) return [];
  return parseGlobals(await readGlobals(storage, manifest, keychainKeyResolver(env), signal)).tablespaces;
}

/**
 * Decides what to do about the missing tablespaces, or throws before anything is changed: none
 * missing (or told to use the default one): nothing to create; missing without leave to create
 * them: stop, naming them; with leave: each must pass checkTablespaces.
 */
export async function decideTablespaces(
  client: pg.Client,
  opts: { needed: readonly string[]; noTablespaces: boolean; createMissing: boolean; server: string; defined: () => Promise<TablespaceDefinition[]> },
): Promise<{ action: TablespaceAction; missing: string[]; create: TablespaceDefinition[] }> {
  if (opts.noTablespaces) return { action: 'default', missing: [], create: [] };
  const missing = await missingTablespaces(client, opts.needed);
  if (missing.length === 0) return { action: 'keep', missing, create: [] };
  if (!opts.createMissing) throw tablespacesMissingError(missing, opts.server);
  const check = await checkTablespaces(client, missing, await opts.defined(), opts.server);
  if (check.problems.length > 0) throw tablespacesNotCreatableError(check.problems, opts.server);
  return { action: 'create', missing, create: check.creatable };
}

export function createTablespaceStatement(t: TablespaceDefinition, ownerExists: boolean): string {
  return `CREATE TABLESPACE ${quoteIdent(t.name)}${ownerExists ? ` OWNER ${quoteIdent(t.owner)}` : ''} LOCATION ${quoteLiteral(t.location)}`;
}

/**
 * Creates the tablespaces (CREATE TABLESPACE cannot run inside a transaction, so one by one); a
 * failure drops the ones this call created and says what to do. Owned as recorded when that role
 * exists on the target, else by the restoring role. Returns the names created.
 */
export async function createTablespaces(client: pg.Client, list: readonly TablespaceDefinition[], server: string): Promise<string[]> {
  const created: string[] = [];
  for (const t of list) {
    const owner = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [t.owner]);
    try {
      await client.query(createTablespaceStatement(t, (owner.rowCount ?? 0) > 0));
      created.push(t.name);
    } catch (e) {
      await dropTablespaces(client, created);
      const why = e instanceof Error ? e.message : String(e);
      throw new LifeboatError('TABLESPACES_MISSING', `Could not create the tablespace "${t.name}" at ${t.location} on ${server} (${why}), so nothing was restored.`, { hint: { kind: 'prepare-tablespace-dirs' } });
    }
  }
  return created;
}

/**
 * Before the target is touched: the tablespaces the archive's own table of contents names that the
 * target lacks stop the restore, or with --with-globals are created first. Returns those created.
 */
export async function ensureTablespaces(client: pg.Client, o: { toc: readonly { tablespace: string | null }[]; createMissing: boolean; conn: PgConnection; source: BackupSource; env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined }): Promise<string[]> {
  const needed = tablespacesOfToc(o.toc);
  if (needed.length === 0) return [];
  const decided = await decideTablespaces(client, { needed, noTablespaces: false, createMissing: o.createMissing, server: o.conn.display, defined: () => recordedTablespaces(o.source.storage, o.source.manifest, o.env, o.signal) });
  return decided.action === 'create' ? createTablespaces(client, decided.create, o.conn.display) : [];
}

/** Removes tablespaces this run created, after a failed restore (empty by then: the database went first). */
export async function dropTablespaces(client: pg.Client, names: readonly string[]): Promise<void> {
  for (const n of [...names].reverse()) await client.query(`DROP TABLESPACE IF EXISTS ${quoteIdent(n)}`).catch(() => undefined);
}

export type PlannedTablespaces = NonNullable<RestorePlan['tablespaces']>;

/** Temporary databases (partial recovery, a verification's restore) go in the default tablespace: where they live does not matter, and it exists everywhere. */
export function usesDefaultTablespace(req: RestoreRequest): boolean {
  return req.noTablespaces ?? (req.purpose === 'extract' || req.purpose === 'verify');
}

/**
 * The tablespaces part of a plan, from the tablespaces the manifest recorded (read from the
 * archive's table of contents while it streamed). Reads the target (changing nothing); throws when
 * the restore cannot go ahead, unless only planning, when it warns instead.
 */
export async function planTablespaces(conn: PgConnection, req: RestoreRequest, source: BackupSource, dryRun: boolean): Promise<{ tablespaces: PlannedTablespaces; steps: string[]; warnings: string[] }> {
  const needed = source.manifest?.tablespaces ?? null;
  if (source.parsed.format !== 'custom') {
    if (req.noTablespaces) throw new LifeboatError('BAD_INPUT', `Backup ${source.key} is plain SQL, whose tablespaces are restored as its SQL names them; putting everything in the default tablespace works for custom-format backups only.`);
    return { tablespaces: { needed: null, missing: null, action: 'keep' }, steps: [], warnings: [] };
  }
  if (usesDefaultTablespace(req)) {
    // Said when asked for, or when it changes where something goes.
    const steps = req.noTablespaces || (needed?.length ?? 0) > 0 ? ["Put every object in the target database's default tablespace, whatever tablespace it lived in."] : [];
    return { tablespaces: { needed, missing: null, action: 'default' }, steps, warnings: [] };
  }
  const createMissing = req.withGlobals ?? false;
  if (needed === null) {
    // An older manifest, or none: the archive itself is read before the target is touched.
    const steps = createMissing ? ['Create the tablespaces the backup uses that the target lacks (known once the backup is read) from the globals recorded with it, where their directories exist on the server; they are dropped again if the restore fails.'] : [];
    return { tablespaces: { needed, missing: null, action: 'keep' }, steps, warnings: [] };
  }
  if (needed.length === 0) return { tablespaces: { needed, missing: [], action: 'keep' }, steps: [], warnings: [] };
  const client = await connectMaintenance(conn).catch((e: unknown) => {
    throw describePgError(e, conn);
  });
  try {
    const decided = await decideTablespaces(client, { needed, noTablespaces: false, createMissing, server: conn.display, defined: () => recordedTablespaces(source.storage, source.manifest, req.env ?? process.env, req.signal) });
    const steps =
      decided.action === 'create'
        ? [`Create the missing tablespaces ${decided.create.map((t) => `"${t.name}" at ${t.location}`).join(', ')} from the globals recorded with the backup, before the database; they are dropped again if the restore fails.`]
        : [];
    return { tablespaces: { needed, missing: decided.missing, action: decided.action }, steps, warnings: [] };
  } catch (e) {
    if (!dryRun || !(e instanceof LifeboatError) || e.code !== 'TABLESPACES_MISSING') throw describePgError(e, conn);
    return { tablespaces: { needed, missing: await missingTablespaces(client, needed).catch(() => null), action: 'keep' }, steps: [], warnings: [e.message] };
  } finally {
    await client.end().catch(() => undefined);
  }
}
