import os from 'node:os';
import type pg from 'pg';
import pgConnectionString from 'pg-connection-string';
import { LifeboatError } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { SshRoute } from '../ssh/ssh-route.js';

const { parse, parseIntoClientConfig } = pgConnectionString;

/**
 * A PostgreSQL connection as Lifeboat passes it around. The password is kept apart from the URL so
 * that the URL can be shown, logged and put on a child's command line while the password only ever
 * travels in a child's environment (PGPASSWORD) or in pg's own connection settings.
 */
export interface PgConnection {
  /** libpq URL without the password, or null to let libpq use the PG* environment variables. */
  url: string | null;
  password: string | null;
  /** For messages: host:port, never a secret. */
  display: string;
  /** Reach the server through this SSH server (the URL's host and port are as the SSH server sees them). */
  ssh?: SshRoute | null;
}

/** A connection given as a URL (or undefined: the PG* variables), or already parsed (profiles, tunnels). */
export function asPgConnection(conn: string | PgConnection | undefined, env: NodeJS.ProcessEnv = process.env): PgConnection {
  return typeof conn === 'object' ? conn : parsePgConnection(conn, env);
}

const URL_SCHEME = /^postgres(?:ql)?:\/\//i;

export function parsePgConnection(url: string | undefined, env: NodeJS.ProcessEnv = process.env): PgConnection {
  if (url === undefined || url === '') {
    const host = env.PGHOST ?? 'localhost';
    const port = env.PGPORT ?? '5432';
    return { url: null, password: null, display: `${host}:${port}` };
  }
  if (!URL_SCHEME.test(url)) {
    throw new LifeboatError(
      'BAD_DATABASE_URL',
      `"${redactUrl(url)}" is not a PostgreSQL URL; write it as postgresql://user@host:5432/dbname.`,
    );
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(libpqCompatible(url)); // the same semantics as below, and no pg warning on stderr
  } catch {
    throw new LifeboatError('BAD_DATABASE_URL', `"${redactUrl(url)}" is not a valid PostgreSQL URL; write it as postgresql://user@host:5432/dbname.`);
  }
  const password = parsed.password ? String(parsed.password) : null;
  const withoutPassword = urlWithoutPassword(url);
  const host = parsed.host ?? env.PGHOST ?? 'localhost';
  const port = parsed.port ?? env.PGPORT ?? '5432';
  return { url: withoutPassword, password, display: `${host}:${port}` };
}

/**
 * The URL minus its password (user-info or `password=` query value), every other byte as written.
 * Going through URLSearchParams would re-serialise the query form-style (`%20` and spaces become
 * `+`), and libpq reads `+` literally: `options=-c%20statement_timeout%3D1` would reach pg_dump as
 * `-c+statement_timeout=1`. So the query is filtered parameter by parameter, never re-encoded.
 */
function urlWithoutPassword(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/(\/\/[^:/@]*):[^@]*@/, '$1@');
  }
  u.password = '';
  const kept = u.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && queryName(pair) !== 'password')
    .map(libpqPair);
  // The search setter percent-encodes only what a URL cannot hold (e.g. a raw space → %20, which
  // libpq decodes back); it leaves `%XX` and `+` alone.
  u.search = kept.length > 0 ? `?${kept.join('&')}` : '';
  return u.toString();
}

/**
 * libpq refuses a second `=` in a parameter (`options=-c statement_timeout=1` written as is) and
 * takes `+` literally where node-postgres reads a space. Encoding both in the value keeps what
 * libpq would understand, and makes pg_dump and node-postgres read the same value.
 */
function libpqPair(pair: string): string {
  const eq = pair.indexOf('=');
  if (eq < 0) return pair;
  return `${pair.slice(0, eq)}=${pair.slice(eq + 1).replace(/=/g, '%3D').replace(/\+/g, '%2B')}`;
}

function queryName(pair: string): string {
  const name = pair.split('=')[0] ?? '';
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/**
 * The database a connection names, worked out without connecting, as libpq does: the URL's path
 * (or its `dbname` parameter), else PGDATABASE, else the user name. For agreements between
 * processes that must not depend on reaching the server first (slot leases).
 */
export function databaseNameOf(conn: PgConnection, env: NodeJS.ProcessEnv = process.env): string {
  const parsed = conn.url ? (parse(libpqCompatible(conn.url)) as { database?: string | null; dbname?: string; user?: string }) : {};
  return parsed.database || parsed.dbname || env.PGDATABASE || parsed.user || env.PGUSER || os.userInfo().username;
}

/**
 * Settings for the `pg` client. The URL is parsed into settings rather than passed as a
 * connectionString, because pg lets a connectionString override an explicit password.
 * pg fills what the URL leaves out from the PG* variables and ~/.pgpass, as libpq does.
 */
export function pgClientConfig(conn: PgConnection, database?: string): pg.ClientConfig {
  const cfg: pg.ClientConfig = conn.url ? { ...parseIntoClientConfig(libpqCompatible(conn.url)) } : {};
  cfg.connectionTimeoutMillis = 15000;
  if (conn.password !== null) cfg.password = conn.password;
  if (database !== undefined) cfg.database = database;
  return cfg;
}

/**
 * node-postgres treats sslmode=require as verify-full unless told to follow libpq; pg_dump follows
 * libpq, so the same URL must mean the same thing to both.
 */
function libpqCompatible(url: string): string {
  if (!/[?&]sslmode=/.test(url) || /[?&]uselibpqcompat=/.test(url)) return url;
  return `${url}&uselibpqcompat=true`;
}

/**
 * Arguments and environment for pg_dump/pg_restore/psql. The URL goes on the command line
 * (it has no password); the password, when the URL had one, goes in PGPASSWORD.
 */
export function pgToolConnection(conn: PgConnection, env: NodeJS.ProcessEnv = process.env, database?: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const childEnv: NodeJS.ProcessEnv = { ...env };
  if (conn.password !== null) childEnv.PGPASSWORD = conn.password;
  const args: string[] = [];
  if (conn.url) {
    let url = conn.url;
    if (database !== undefined) url = withDatabase(conn.url, database);
    args.push(`--dbname=${url}`);
  } else if (database !== undefined) {
    args.push(`--dbname=${database}`);
  }
  return { args, env: childEnv };
}

/**
 * The URL a job through an SSH tunnel hands back for a database it made: the original server's
 * URL with that database (the tunnel's port is gone by then), or null when it has no such form.
 */
export function urlBeyondTunnel(original: PgConnection, database: string): string | null {
  if (!original.url) return null;
  try {
    return withDatabase(original.url, database);
  } catch {
    return null; // postgresql://user@/db?host=/socket: WHATWG URL cannot hold an empty host
  }
}

/** The same server URL pointing at another database (used for temporary and new databases). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * Where the database is, as libpq would connect to it: a TCP host and port, or a unix socket
 * (a host starting with "/" names the socket directory). What an SSH tunnel forwards to.
 */
export function serverEndpoint(conn: PgConnection, env: NodeJS.ProcessEnv = process.env): { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string } {
  const parsed: { host?: string | null; port?: string | null } = conn.url ? parse(libpqCompatible(conn.url)) : {};
  const host = (parsed.host ?? env.PGHOST ?? 'localhost').split(',')[0] ?? 'localhost';
  const port = Number((parsed.port ?? env.PGPORT ?? '5432').split(',')[0]);
  if (host.startsWith('/')) return { kind: 'unix', path: `${host.replace(/\/+$/, '')}/.s.PGSQL.${port}` };
  return { kind: 'tcp', host, port };
}

/**
 * The same connection through a local port (an SSH tunnel's): the URL's host becomes
 * 127.0.0.1:port, and its host, hostaddr and port parameters go; every other byte stays. Messages
 * keep naming the real server.
 */
export function throughLocalPort(conn: PgConnection, port: number, via: string): PgConnection {
  const local = `127.0.0.1:${port}`;
  let url: string;
  if (conn.url) {
    const m = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?[^/?#]*([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(conn.url);
    if (!m) throw new LifeboatError('BAD_DATABASE_URL', `"${redactUrl(conn.url)}" cannot be sent through an SSH tunnel; write it as postgresql://user@host:5432/dbname.`);
    const kept = (m[4] ?? '').slice(1).split('&').filter((pair) => pair !== '' && !['host', 'hostaddr', 'port'].includes(queryName(pair)));
    url = `${m[1]}${m[2] !== undefined ? `${m[2]}@` : ''}${local}${m[3] ?? ''}${kept.length > 0 ? `?${kept.join('&')}` : ''}`;
  } else {
    url = `postgresql://${local}`;
  }
  return { url, password: conn.password, display: `${conn.display} through SSH ${via}`, ssh: null };
}
