// The restore wizard and partial recovery on top of the restore engine: a review before anything
// happens, jobs for the long parts, temporary databases on the target's own server that only
// Lifeboat's registry lets it drop.
import type { BackupChoiceInput, CallResponse, ParsedCallRequest, RestoreDestinationInput, RestoreReview } from '../../shared/ipc-contract.js';
import { toCsv, toJson, toSqlInserts } from '../../shared/row-format.js';
import type { ActivityLog } from '../engine/activity/activity-log.js';
import { recordOperation } from '../engine/activity/record-operation.js';
import { LifeboatError } from '../engine/errors.js';
import { copyRowsInto } from '../engine/extract/copy-into.js';
import { assertLifeboatTemp, readExtractRows } from '../engine/extract/read-rows.js';
import { restoreTablesForExtract } from '../engine/extract/run-extract.js';
import { parseQualifiedName } from '../engine/restore/toc-selection.js';
import { parsePgConnection, type PgConnection } from '../engine/pg/connection.js';
import { connectClient, readServerInfo } from '../engine/pg/server-info.js';
import { resolveBackup, type BackupSource } from '../engine/restore/backup-source.js';
import { runRestore } from '../engine/restore/run-restore.js';
import { connectMaintenance, databaseExists, databaseInUrl, onDatabase, refuseSystemDatabase, userObjectCount } from '../engine/restore/target-database.js';
import { dropTempDatabase } from '../engine/restore/temp-databases.js';
import type { StorageTarget } from '../engine/storage/target.js';
import type { JobRegistry } from './job-registry.js';
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

function choice(b: BackupChoiceInput, storage: StorageTarget, dbName: string): { to: StorageTarget; key?: string; latest?: boolean; dbName?: string } {
  return b.kind === 'latest' ? { to: storage, latest: true, dbName } : { to: storage, key: b.key };
}

export function createRestoreHandlers(deps: RestoreDeps): RestoreHandlers {
  const { env, jobs, targets } = deps;

  /** The target's storage, its server (password in memory only) and its database name. */
  const context = async (targetId: string) => {
    const t = await targets.get(targetId);
    deps.rememberSecret(t.password);
    const serverUrl = deps.withPassword(t.dbUrl, t.password);
    const conn = parsePgConnection(serverUrl, env);
    const dbName = databaseInUrl(conn, env) ?? 'postgres';
    return { t, storage: t.storage, serverUrl, conn, dbName };
  };

  const destinationUrl = (d: RestoreDestinationInput, serverUrl: string): string => {
    if (d.kind === 'temp') return serverUrl;
    deps.rememberSecret(d.password);
    return deps.withPassword(d.dbUrl, d.password);
  };

  const review = async (req: ParsedCallRequest<'restore.review'>): Promise<{ review: RestoreReview; source: BackupSource }> => {
    const ctx = await context(req.targetId);
    const source = await resolveBackup(choice(req.backup, ctx.storage, ctx.dbName), env);
    const destConn = parsePgConnection(destinationUrl(req.destination, ctx.serverUrl), env);
    const maintenance = await connectMaintenance(destConn);
    let serverVersion = '';
    let serverMajor = 0;
    let database: string | null = null;
    let exists = false;
    let objectCount: number | null = null;
    try {
      const info = await readServerInfo(maintenance, destConn);
      serverVersion = info.version;
      serverMajor = info.major;
      if (req.destination.kind === 'database') {
        database = databaseInUrl(destConn, env);
        if (!database) throw new LifeboatError('BAD_INPUT', 'The target URL names no database; write it as postgresql://user@host:5432/newdb.');
        // The app has no way to say "yes, postgres": the same refusal as the engine's, before any step.
        await refuseSystemDatabase(maintenance, database, destConn.display, false);
        exists = await databaseExists(maintenance, database);
        if (exists) {
          const c = await connectClient(onDatabase(destConn, database));
          try {
            objectCount = await userObjectCount(c);
          } finally {
            await c.end().catch(() => undefined);
          }
        }
      }
    } finally {
      await maintenance.end().catch(() => undefined);
    }
    const steps: string[] = [];
    const warnings: string[] = [];
    const m = source.manifest;
    steps.push(`Download ${source.key} from ${source.storage.display}${m ? ' and check its SHA-256 against the manifest' : ''}.`);
    if (req.destination.kind === 'temp') {
      steps.push(`Create a new temporary database lifeboat_${ctx.dbName}_<time> on ${destConn.display}.`);
    } else if (req.destination.mode === 'create') {
      if (exists) throw new LifeboatError('TARGET_EXISTS', `Database "${database}" already exists on ${destConn.display}; choose a new name, or choose to replace its contents.`);
      steps.push(`Create the new database "${database}" on ${destConn.display}.`);
    } else {
      if (!exists) throw new LifeboatError('PG_DATABASE_MISSING', `Database "${database}" does not exist on ${destConn.display}, so there is nothing to replace; choose a new database instead.`);
      steps.push(`Replace everything in database "${database}" on ${destConn.display} (${objectCount ?? 0} objects now), in one transaction: a failure changes nothing.`);
      if ((objectCount ?? 0) > 0) warnings.push(`Database "${database}" is not empty: its ${objectCount} objects will be dropped and replaced by the backup's.`);
    }
    steps.push(`Restore with ${source.parsed.format === 'custom' ? 'pg_restore' : 'psql (ON_ERROR_STOP)'}, without ownership and privileges.`);
    if (!m) warnings.push('This backup has no manifest (another tool wrote it): its size and checksum cannot be checked before restoring.');
    if (m && serverMajor > 0 && serverMajor < Math.floor(m.server.versionNum / 10000)) {
      warnings.push(`The backup comes from PostgreSQL ${m.server.version}, newer than the target's ${serverVersion}: the restore may fail on features the older server lacks.`);
    }
    if (req.destination.kind === 'database' && database === ctx.dbName && destConn.display === ctx.conn.display) {
      warnings.push(`The target is the source database itself ("${database}" on ${destConn.display}).`);
    } else if (destConn.display === ctx.conn.display) {
      warnings.push(`The target is on the same server as the source (${destConn.display}): the restore uses that server's disk and CPU.`);
    }
    const destructive = req.destination.kind === 'database' && req.destination.mode === 'clean';
    return {
      source,
      review: {
        backup: { key: source.key, createdAt: source.parsed.createdAt.toISOString(), sizeBytes: source.sizeBytes, database: m?.database ?? source.parsed.dbName, hasManifest: m !== null, serverVersion: m?.server.version ?? null, format: source.parsed.format },
        destination: { server: destConn.display, serverVersion, database, exists, objectCount },
        steps,
        warnings,
        destructive,
        confirmName: destructive ? database : null,
      },
    };
  };

  /** The engine's own reader (the CLI's extract uses it too), on a temporary database Lifeboat made. */
  const selection = async (req: { targetId: string; tempDatabase: string; table: string; where?: string | undefined }, limit: number | null) => {
    const ctx = await context(req.targetId);
    await assertLifeboatTemp(ctx.conn, req.tempDatabase, env);
    const table = parseQualifiedName(req.table);
    return { table, ...(await readExtractRows(ctx.conn, req.tempDatabase, table, req.where, { limit, statementTimeoutSeconds: APP_QUERY_TIMEOUT_SECONDS })) };
  };

  return {
    'restore.review': async (req) => (await review(req)).review,

    'restore.start': async (req) => {
      const ctx = await context(req.targetId);
      const { review: r, source } = await review(req);
      if (r.destructive && req.confirmName !== r.confirmName) {
        throw new LifeboatError('BAD_INPUT', `Type the database name "${r.confirmName}" to confirm that its contents will be replaced.`);
      }
      const target = destinationUrl(req.destination, ctx.serverUrl);
      const mode = req.destination.kind === 'temp' ? 'temp' : req.destination.mode;
      const where = req.destination.kind === 'temp' ? `a temporary database on ${r.destination.server}` : `"${r.destination.database}" on ${r.destination.server}`;
      return jobs.start({ kind: 'restore', title: `Restore ${source.key} into ${where}`, targetId: ctx.t.id }, async (job) => {
        const info = { kind: 'restore' as const, profile: ctx.t.id, storage: source.storage.display, key: source.key, summary: 'Restored' };
        const res = await recordOperation(
          deps.log,
          info,
          () => runRestore({ to: ctx.storage, key: source.key, target, mode, confirmed: mode === 'clean', purpose: 'restore', pgBinDir: deps.pgBinDir, env, signal: job.signal, onProgress: job.onProgress, jobId: job.jobId }),
          (x) => ({ key: x.key, summary: `Restored into "${x.database}" on ${r.destination.server} (${x.target} database)`, details: { mode, target: x.target, checkedSha256: x.checkedSha256 } }),
        );
        return { resultKey: res.key, resultDatabase: res.database, resultUrl: res.url, resultTemporary: res.target === 'temporary' };
      });
    },

    'temp.drop': async (req) => {
      const ctx = await context(req.targetId);
      return dropTempDatabase(req.name, ctx.serverUrl, env);
    },

    'extract.tables': async (req) => {
      const ctx = await context(req.targetId);
      const source = await resolveBackup(choice(req.backup, ctx.storage, ctx.dbName), env);
      if (source.parsed.format === 'plain') {
        throw new LifeboatError('BAD_INPUT', `Backup ${source.key} is plain SQL, which has no table of contents; restore it whole into a temporary database (Restore) and query it there.`);
      }
      if (!source.manifest) {
        throw new LifeboatError('BAD_INPUT', `Backup ${source.key} has no manifest listing its tables; restore it whole into a temporary database (Restore) and query it there.`);
      }
      return { key: source.key, tables: source.manifest.tables.map((t) => ({ schema: t.schema, name: t.name, rows: t.rows })) };
    },

    'extract.prepare': async (req) => {
      const ctx = await context(req.targetId);
      const source = await resolveBackup(choice(req.backup, ctx.storage, ctx.dbName), env);
      return jobs.start({ kind: 'extract', title: `Restore ${req.tables.join(', ')} from ${source.key} into a temporary database`, targetId: ctx.t.id }, async (job) => {
        // The CLI's extract restore: every definition (sequences of serial keys, types and
        // functions wherever they live) and only the chosen tables' rows.
        const info = { kind: 'extract' as const, profile: ctx.t.id, storage: source.storage.display, key: source.key, summary: 'Restored tables for partial recovery' };
        const res = await recordOperation(
          deps.log,
          info,
          () => restoreTablesForExtract({ to: ctx.storage, key: source.key, server: ctx.serverUrl, tables: req.tables, pgBinDir: deps.pgBinDir, env, signal: job.signal, onProgress: job.onProgress, jobId: job.jobId }),
          (x) => ({ key: x.key, summary: `Restored ${req.tables.join(', ')} into the temporary database "${x.database}"`, details: { tables: req.tables.join(', ') } }),
        );
        return { resultKey: res.key, resultDatabase: res.database, resultUrl: res.url, resultTemporary: true };
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
