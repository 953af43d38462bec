// The restore wizard and partial recovery on top of the restore engine: a review (the engine's
// restore plan, which the restore then carries out) before anything happens, jobs for the long parts, temporary databases on the target's own server that only
// Lifeboat's registry lets it drop.
import type { BackupChoiceInput, CallResponse, ParsedCallRequest, RestoreDestinationInput, RestoreSourceInput } from '../../shared/ipc-contract.js';
import { toCsv, toJson, toSqlInserts } from '../../shared/row-format.js';
import type { ActivityLog } from '../engine/activity/activity-log.js';
import { recordOperation } from '../engine/activity/record-operation.js';
import { showBackup } from '../engine/archive/browse.js';
import { LifeboatError } from '../engine/errors.js';
import { copyRowsInto } from '../engine/extract/copy-into.js';
import { assertLifeboatTemp, readExtractRows } from '../engine/extract/read-rows.js';
import { restoreTablesForExtract } from '../engine/extract/run-extract.js';
import { parseQualifiedName } from '../engine/restore/toc-selection.js';
import { parsePgConnection, urlBeyondTunnel, type PgConnection } from '../engine/pg/connection.js';
import { resolveBackup, type BackupChoice } from '../engine/restore/backup-source.js';
import { planRestore, type PlannedRestore } from '../engine/restore/plan-restore.js';
import type { RestoreRequest } from '../engine/restore/restore-request.js';
import { executeRestore } from '../engine/restore/run-restore.js';
import { databaseInUrl } from '../engine/restore/target-database.js';
import { dropTempDatabase } from '../engine/restore/temp-databases.js';
import { withTunnel } from '../engine/ssh/with-tunnel.js';
import type { StorageTarget } from '../engine/storage/target.js';
import type { JobRegistry } from './job-registry.js';
import { connectedDisplay, connectionOf } from './target-connection.js';
import type { TargetRepository } from './target-repository.js';

export interface RestoreDeps {
  env: NodeJS.ProcessEnv;
  jobs: JobRegistry;
  targets: TargetRepository;
  pgBinDir: string | undefined;
  withPassword: (url: string, password: string | null | undefined) => string;
  rememberSecret: (s: string | null | undefined) => void;
  /** Every restore, extract and copy is logged under the database's profile, as the CLI's are. */
  log: ActivityLog;
}

type Handler<K extends 'restore.review' | 'restore.start' | 'temp.drop' | 'extract.tables' | 'extract.prepare' | 'extract.preview' | 'extract.export' | 'extract.copy'> = (
  req: ParsedCallRequest<K>,
) => Promise<CallResponse<K>>;

export interface RestoreHandlers {
  'restore.review': Handler<'restore.review'>;
  'restore.start': Handler<'restore.start'>;
  'temp.drop': Handler<'temp.drop'>;
  'extract.tables': Handler<'extract.tables'>;
  'extract.prepare': Handler<'extract.prepare'>;
  'extract.preview': Handler<'extract.preview'>;
  'extract.export': Handler<'extract.export'>;
  'extract.copy': Handler<'extract.copy'>;
}

/** A filter that runs longer than this in the app's screens is stopped (the CLI has no limit). */
const APP_QUERY_TIMEOUT_SECONDS = 120;

/** Where a saved database's backups are: its storage, then its copy destinations (read from when the storage cannot give a backup). */
interface Places {
  storage: StorageTarget;
  copies: StorageTarget[];
}

function choice(b: BackupChoiceInput, places: Places, dbName: string): BackupChoice {
  const where = { to: places.storage, copies: places.copies };
  return b.kind === 'latest' ? { ...where, latest: true, dbName } : { ...where, key: b.key };
}

/** The target's own database, so the review warns when a restore would overwrite it (named as the engine names it once connected). */
function origin(ctx: { conn: PgConnection; dbName: string }): { server: string; database: string } {
  return { server: connectedDisplay(ctx.conn), database: ctx.dbName };
}

/** A restore that replaces a database's contents needs its name typed, as the review showed it. */
function checkConfirmed(plan: PlannedRestore['plan'], confirmName: string | undefined): void {
  if (plan.destructive && confirmName !== plan.confirmName) {
    throw new LifeboatError('BAD_INPUT', `Type the database name "${plan.confirmName}" to confirm that its contents will be replaced.`);
  }
}

/** A restore reads a backup of the target's storage (or a copy), or a dump file from disk (restored like `restore --file`). */
function restoreChoice(b: RestoreSourceInput, places: Places, dbName: string): Pick<RestoreRequest, 'to' | 'copies' | 'key' | 'latest' | 'dbName' | 'file'> {
  return b.kind === 'file' ? { file: b.path } : choice(b, places, dbName);
}

export function createRestoreHandlers(deps: RestoreDeps): RestoreHandlers {
  const { env, jobs, targets } = deps;

  /**
   * The target's storage, its server (password in memory only; through its SSH server when it has
   * one, each operation opening a tunnel of its own) and its database name.
   */
  const context = async (targetId: string) => {
    const t = await targets.get(targetId);
    deps.rememberSecret(t.password);
    const conn = connectionOf(t, env);
    const dbName = databaseInUrl(conn, env) ?? 'postgres';
    return { t, places: { storage: t.storage, copies: t.copies }, conn, dbName };
  };

  /** A temporary database goes on the target's own server (the way it is reached); a typed URL is reached directly. */
  const destination = (d: RestoreDestinationInput, server: PgConnection): string | PgConnection => {
    if (d.kind === 'temp') return server;
    deps.rememberSecret(d.password);
    return deps.withPassword(d.dbUrl, d.password);
  };

  /** The engine's plan for what the wizard chose; the review shows it and restore.start carries it out. */
  const plan = async (req: ParsedCallRequest<'restore.review'> & { plannedAt?: string | undefined }): Promise<{ planned: PlannedRestore; request: RestoreRequest; ctx: Awaited<ReturnType<typeof context>> }> => {
    const ctx = await context(req.targetId);
    const mode = req.destination.kind === 'temp' ? 'temp' : req.destination.mode;
    const plannedAt = req.plannedAt;
    const request: RestoreRequest = {
      ...restoreChoice(req.backup, ctx.places, ctx.dbName),
      target: destination(req.destination, ctx.conn),
      mode,
      confirmed: mode === 'clean',
      // "Create missing roles first": the database with its roles, owners and privileges included.
      withGlobals: req.withGlobals ?? false,
      // "Put everything in the default tablespace": for a server without the backup's tablespaces.
      ...(req.noTablespaces ? { noTablespaces: true } : {}),
      purpose: 'restore',
      pgBinDir: deps.pgBinDir,
      env,
      ...(plannedAt ? { now: () => new Date(plannedAt) } : {}),
    };
    // The app has no way to say "yes, postgres": system databases are refused, as by the CLI.
    const planned = await planRestore(request, { origin: origin(ctx) });
    return { planned, request, ctx };
  };

  /** The engine's own reader (the CLI's extract uses it too), on a temporary database Lifeboat made. */
  const selection = async (req: { targetId: string; tempDatabase: string; table: string; where?: string | undefined }, limit: number | null) => {
    const ctx = await context(req.targetId);
    const table = parseQualifiedName(req.table);
    return withTunnel(ctx.conn, undefined, env, async (direct) => {
      await assertLifeboatTemp(direct, req.tempDatabase, env);
      return { table, ...(await readExtractRows(direct, req.tempDatabase, table, req.where, { limit, statementTimeoutSeconds: APP_QUERY_TIMEOUT_SECONDS })) };
    });
  };

  /**
   * Carries out what was reviewed. Through SSH the review's tunnel is gone: the job opens its own,
   * plans again on it (the same request, the same time) and restores; the tunnel ends with the job,
   * and the URL handed back names the real server.
   */
  const carryOut = async (planned: PlannedRestore, request: RestoreRequest, ctx: Awaited<ReturnType<typeof context>>, confirmName: string | undefined) => {
    const target = request.target;
    if (typeof target === 'string' || !target.ssh) return executeRestore(planned, request);
    const r = await withTunnel(target, request.signal, env, async (direct) => {
      const again = await planRestore({ ...request, target: direct }, { origin: origin(ctx) });
      checkConfirmed(again.plan, confirmName);
      return executeRestore(again, { ...request, target: direct });
    });
    return { ...r, url: r.url ? urlBeyondTunnel(target, r.database) : null };
  };

  return {
    'restore.review': async (req) => (await plan(req)).planned.plan,

    'restore.start': async (req) => {
      const { planned, request, ctx } = await plan(req);
      const r = planned.plan;
      checkConfirmed(r, req.confirmName);
      const where = r.destination.action === 'create-temporary' ? `a temporary database on ${r.destination.server}` : `"${r.destination.database}" on ${r.destination.server}`;
      return jobs.start({ kind: 'restore', title: `Restore ${r.backup.key} into ${where}`, targetId: ctx.t.id }, async (job) => {
        const info = { kind: 'restore' as const, profile: ctx.t.id, storage: planned.source.storage.display, key: r.backup.key, summary: 'Restored' };
        const res = await recordOperation(
          deps.log,
          info,
          () => carryOut(planned, { ...request, signal: job.signal, onProgress: job.onProgress, jobId: job.jobId }, ctx, req.confirmName),
          (x) => ({ key: x.key, summary: `Restored into "${x.database}" on ${r.destination.server} (${x.target} database)`, details: { mode: request.mode ?? null, target: x.target, checkedSha256: x.checkedSha256 } }),
        );
        return { resultKey: res.key, resultDatabase: res.database, resultUrl: res.url, resultTemporary: res.target === 'temporary', resultNote: r.backup.fromCopy ?? null };
      });
    },

    'temp.drop': async (req) => {
      const ctx = await context(req.targetId);
      return withTunnel(ctx.conn, undefined, env, (direct) => dropTempDatabase(req.name, direct, env));
    },

    'extract.tables': async (req) => {
      const ctx = await context(req.targetId);
      const source = await resolveBackup(choice(req.backup, ctx.places, ctx.dbName), env);
      const fromCopy = source.fromCopy ? { fromCopy: source.fromCopy.note } : {};
      if (!source.manifest) {
        // Another tool's custom archive: its own table of contents (index, or the archive's first
        // bytes) lists the tables, as the CLI's extract finds them. A plain SQL file others wrote
        // (no manifest, no index) names no tables.
        const contents = await showBackup({ to: source.target, key: source.key, env });
        if (source.parsed.format === 'plain' && contents.tables.length === 0) {
          throw new LifeboatError('BAD_INPUT', `Backup ${source.key} is plain SQL, which has no table of contents; restore it whole into a temporary database (Restore) and query it there.`);
        }
        return { key: source.key, tables: contents.tables.map((t) => ({ schema: t.schema, name: t.name, rows: t.rows })), ...fromCopy };
      }
      return { key: source.key, tables: source.manifest.tables.map((t) => ({ schema: t.schema, name: t.name, rows: t.rows })), ...fromCopy };
    },

    'extract.prepare': async (req) => {
      const ctx = await context(req.targetId);
      const source = await resolveBackup(choice(req.backup, ctx.places, ctx.dbName), env);
      return jobs.start({ kind: 'extract', title: `Restore ${req.tables.join(', ')} from ${source.key} into a temporary database`, targetId: ctx.t.id }, async (job) => {
        // The CLI's extract restore: every definition (sequences of serial keys, types and
        // functions wherever they live) and only the chosen tables' rows.
        const info = { kind: 'extract' as const, profile: ctx.t.id, storage: source.storage.display, key: source.key, summary: 'Restored tables for partial recovery' };
        const res = await recordOperation(
          deps.log,
          info,
          () => restoreTablesForExtract({ to: source.target, key: source.key, server: ctx.conn, tables: req.tables, pgBinDir: deps.pgBinDir, env, signal: job.signal, onProgress: job.onProgress, jobId: job.jobId }),
          (x) => ({ key: x.key, summary: `Restored ${req.tables.join(', ')} into the temporary database "${x.database}"`, details: { tables: req.tables.join(', ') } }),
        );
        return { resultKey: res.key, resultDatabase: res.database, resultUrl: res.url, resultTemporary: true, resultNote: source.fromCopy?.note ?? null };
      });
    },

    'extract.preview': async (req) => {
      const r = await selection(req, req.limit ?? 200);
      return { columns: r.columns, rows: r.rows, truncated: r.truncated };
    },

    'extract.export': async (req) => {
      const r = await selection(req, null);
      const base = `${r.table.schema}.${r.table.name}`.replace(/[^\p{L}\p{N}._-]+/gu, '_');
      if (req.format === 'csv') return { filename: `${base}.csv`, mimeType: 'text/csv', content: toCsv(r.columns, r.rows), rowCount: r.rows.length };
      if (req.format === 'json') return { filename: `${base}.json`, mimeType: 'application/json', content: toJson(r.columns, r.rows), rowCount: r.rows.length };
      return { filename: `${base}.sql`, mimeType: 'application/sql', content: toSqlInserts({ schema: r.table.schema, table: r.table.name, overrideIdentity: r.overrideIdentity }, r.columns, r.rows), rowCount: r.rows.length };
    },

    'extract.copy': async (req) => {
      const r = await selection(req, null);
      deps.rememberSecret(req.password);
      const into: PgConnection = parsePgConnection(deps.withPassword(req.intoDbUrl, req.password), env);
      const info = { kind: 'extract' as const, profile: req.targetId, storage: null, key: null, summary: 'Copied rows', secrets: [req.password ?? ''] };
      return recordOperation(deps.log, info, () => copyRowsInto(into, r.table, r.columns, r.rows, r.overrideIdentity), (x) => ({
        summary: `Copied ${r.rows.length} rows of ${r.table.schema}.${r.table.name} into "${x.database}" on ${into.display} (${x.inserted} inserted, ${x.skipped} skipped)`,
        details: { table: `${r.table.schema}.${r.table.name}`, rows: r.rows.length, inserted: x.inserted, skipped: x.skipped },
      }));
    },
  };
}
