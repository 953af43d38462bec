import pg from 'pg';
import type { PgConnection } from './connection.js';
import { pgClientConfig } from './connection.js';
import { describePgError } from './pg-errors.js';

export interface ServerInfo {
  version: string;
  versionNum: number;
  major: number;
  database: string;
  databaseSizeBytes: number;
  host: string;
  port: number;
}

/** Opens a pg client, mapping connection failures to clear messages. The caller ends it. */
export async function connectClient(conn: PgConnection, database?: string): Promise<pg.Client> {
  const client = new pg.Client(pgClientConfig(conn, database));
  // A dropped connection must not crash the process; the failing query reports it instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw describePgError(e, conn, database ?? new URL(conn.url ?? 'postgresql://x/').pathname.slice(1));
  }
  return client;
}

export async function readServerInfo(client: pg.Client, conn: PgConnection): Promise<ServerInfo> {
  try {
    const r = await client.query<{ v: string; n: string; db: string; size: string }>(
      `SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n,
              current_database() AS db, pg_database_size(current_database())::text AS size`,
    );
    const row = r.rows[0];
    if (!row) throw new Error('no row');
    const versionNum = Number(row.n);
    const [host = 'localhost', port = '5432'] = [client.host, String(client.port)];
    return {
      version: row.v.split(' ')[0] ?? row.v,
      versionNum,
      major: Math.floor(versionNum / 10000),
      database: row.db,
      databaseSizeBytes: Number(row.size),
      host,
      port: Number(port),
    };
  } catch (e) {
    throw describePgError(e, conn);
  }
}
