import { TEMP_DATABASE_PATTERN, type TempDatabaseRecord } from '../../../shared/temp-database.js';
import { LifeboatError } from '../errors.js';
import { asPgConnection, parsePgConnection, withDatabase, type PgConnection } from '../pg/connection.js';
import { describePgError } from '../pg/pg-errors.js';
import { connectMaintenance, databaseExists, dropDatabase } from './target-database.js';
import { recordState } from './interrupted.js';
import { TempRegistry } from './temp-registry.js';

export interface TempDatabaseStatus extends TempDatabaseRecord {
  /** null when the server was not asked (no --server given). */
  exists: boolean | null;
  url: string | null;
  /** interrupted: its restore was killed before it finished, so it may be half-restored. */
  status: 'ready' | 'restoring' | 'interrupted';
}

/** The temporary databases Lifeboat created (on one server, when given), and whether they still exist. */
export async function listTempDatabases(server: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<TempDatabaseStatus[]> {
  const records = await new TempRegistry(env).list();
  if (!server) return records.map((r) => ({ ...r, exists: null, url: r.serverUrl ? withDatabase(r.serverUrl, r.name) : null, status: recordState(r) }));
  const conn = parsePgConnection(server, env);
  const mine = records.filter((r) => r.server === conn.display);
  const client = await connectMaintenance(conn);
  try {
    const out: TempDatabaseStatus[] = [];
    for (const r of mine) out.push({ ...r, exists: await databaseExists(client, r.name), url: conn.url ? withDatabase(conn.url, r.name) : null, status: recordState(r) });
    return out;
  } catch (e) {
    throw describePgError(e, conn);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops a temporary database, but only one that Lifeboat's registry says it created on that server. */
export async function dropTempDatabase(name: string, server: string | PgConnection, env: NodeJS.ProcessEnv = process.env): Promise<{ dropped: boolean }> {
  const conn = asPgConnection(server, env);
  const registry = new TempRegistry(env);
  const record = registry.find(await registry.list(), name, conn.display);
  // A new database the user named is droppable only while its restore is recorded as interrupted.
  const droppable = record && (record.kind === 'new' ? recordState(record) !== 'ready' : TEMP_DATABASE_PATTERN.test(name));
  if (!record || !droppable) {
    throw new LifeboatError('BAD_INPUT', `"${name}" is not a temporary database Lifeboat created on ${conn.display}, so Lifeboat will not drop it; see \`lifeboat temp list --server URL\`.`);
  }
  if (recordState(record) === 'restoring') {
    throw new LifeboatError('BAD_INPUT', `"${name}" is being restored right now by Lifeboat (pid ${record.pid ?? '?'}); cancel that restore (it then drops the database itself) instead of dropping it.`);
  }
  const client = await connectMaintenance(conn);
  try {
    const existed = await databaseExists(client, name);
    if (existed) await dropDatabase(client, name);
    await registry.remove(name, conn.display);
    return { dropped: existed };
  } catch (e) {
    throw describePgError(e, conn);
  } finally {
    await client.end().catch(() => undefined);
  }
}
