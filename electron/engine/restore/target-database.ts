import type pg from 'pg';
import { LifeboatError } from '../errors.js';
import { withDatabase, type PgConnection } from '../pg/connection.js';
import { describePgError } from '../pg/pg-errors.js';
import { connectClient } from '../pg/server-info.js';

/** The database named in a libpq URL's path, or null when the URL names none. */
export function databaseInUrl(conn: PgConnection, env: NodeJS.ProcessEnv): string | null {
  if (!conn.url) return env.PGDATABASE ?? null;
  const name = decodeURIComponent(new URL(conn.url).pathname.replace(/^\//, ''));
  return name === '' ? null : name;
}

/** The same server, another database (the password stays apart, as in every PgConnection). */
export function onDatabase(conn: PgConnection, database: string): PgConnection {
  if (!conn.url) return conn;
  return { ...conn, url: withDatabase(conn.url, database) };
}

/**
 * A connection to the server for CREATE/DROP DATABASE: the maintenance database `postgres`, or
 * template1 where that was dropped. The caller ends it.
 */
export async function connectMaintenance(conn: PgConnection): Promise<pg.Client> {
  try {
    return await connectClient(onDatabase(conn, 'postgres'), conn.url ? undefined : 'postgres');
  } catch (e) {
    if (e instanceof LifeboatError && e.code === 'PG_DATABASE_MISSING') return connectClient(onDatabase(conn, 'template1'), conn.url ? undefined : 'template1');
    throw e;
  }
}

export async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
  const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return r.rowCount !== null && r.rowCount > 0;
}

export async function createDatabase(client: pg.Client, conn: PgConnection, name: string): Promise<void> {
  try {
    // template0: a restore must not inherit objects someone added to template1.
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE template0`);
  } catch (e) {
    const err = e as { code?: string };
    if (err.code === '42P04') throw new LifeboatError('TARGET_EXISTS', `Database "${name}" already exists on ${conn.display}.`, { hint: { kind: 'new-name-or-replace' } });
    if (err.code === '42501') throw new LifeboatError('PG_ERROR', `The user cannot create databases on ${conn.display}; connect as a user with CREATEDB, or replace the contents of an existing database instead.`);
    throw describePgError(e, conn);
  }
}

/** Drops a database that this process (or Lifeboat's registry) created; sessions in it are ended. */
export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  const num = Number((await client.query<{ n: string }>(`SELECT current_setting('server_version_num') AS n`)).rows[0]?.n ?? 0);
  if (num >= 130000) {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } else {
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)}`);
  }
}

/**
 * Whether a database holds anything a restore could collide with or destroy: tables, views,
 * sequences, functions, types, schemas other than public, or large objects.
 */
export async function userObjectCount(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string }>(`
    SELECT (
      (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%')
      + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))
      + (SELECT count(*) FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%')
      + (SELECT count(*) FROM pg_largeobject_metadata)
    )::text AS n`);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * `postgres` (the maintenance database every tool connects to first) and template databases
 * (copied into every new database) are never a restore's target unless the user says so.
 */
export async function refuseSystemDatabase(client: pg.Client, name: string, display: string, allowed: boolean): Promise<void> {
  if (allowed) return;
  const r = await client.query<{ t: boolean }>('SELECT datistemplate AS t FROM pg_database WHERE datname = $1', [name]);
  const template = r.rows[0]?.t === true || name === 'template0' || name === 'template1';
  if (!template && name !== 'postgres') return;
  const what = template ? 'a template database (every new database is copied from it)' : 'the maintenance database that tools and other users connect to first';
  throw new LifeboatError('SYSTEM_DATABASE', `"${name}" on ${display} is ${what}, so Lifeboat does not restore into it; restore into a database of its own.`, { hint: { kind: 'not-a-system-database' } });
}
