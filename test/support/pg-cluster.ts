// Real, throwaway PostgreSQL clusters for the tests: initdb into a temp dir, start on a random
// loopback port, remove everything afterwards. Works as root (the server runs as the `postgres`
// OS user, since initdb refuses root) and as a normal user.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, lstatSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const execFileAsync = promisify(execFile);
// Two levels up from test/support, or three from dist/test/support when a benchmark uses it.
const repoRoot = [path.resolve(import.meta.dirname, '../..'), path.resolve(import.meta.dirname, '../../..')].find((d) =>
  existsSync(path.join(d, 'node_modules')),
) ?? path.resolve(import.meta.dirname, '../..');

export type ServerMajor = 15 | 16 | 17;

/** Debian's packaged 15 (which matches the local pg_dump) and npm's embedded 16 and 17 (newer). */
export function serverBinDir(major: ServerMajor): string {
  if (major === 15) return '/usr/lib/postgresql/15/bin';
  return path.join(repoRoot, 'node_modules', `pg${major}`, 'native', 'bin');
}

export function serverAvailable(major: ServerMajor): boolean {
  return existsSync(path.join(serverBinDir(major), 'initdb'));
}

const isRoot = process.getuid?.() === 0;

function postgresIds(): { uid: number; gid: number } {
  const out = execFileSync('id', ['-u', 'postgres']).toString().trim();
  const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
  return { uid: Number(out), gid: Number(gid) };
}

/** The embedded packages ship their lib symlinks as a list (npm strips symlinks); recreate them. */
function hydrateEmbeddedSymlinks(binDir: string): void {
  const listFile = path.join(binDir, '..', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  const base = path.dirname(path.dirname(binDir));
  for (const { source, target } of links) {
    const src = path.resolve(base, source);
    const dst = path.resolve(base, target);
    try {
      lstatSync(dst);
    } catch {
      symlinkSync(path.relative(path.dirname(dst), src), dst);
    }
  }
}


async function runAsServerUser(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const full = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] as const : [cmd, args] as const;
  const { stdout } = await execFileAsync(full[0], [...full[1]], { env: { ...process.env, ...env, LC_ALL: 'C.UTF-8' }, timeout: 60000 });
  return stdout;
}

export interface PgCluster {
  major: ServerMajor;
  port: number;
  /** The unix socket's directory. */
  socketDir: string;
  /** Superuser URL (trust auth) for a database on this cluster. */
  url(database?: string): string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  major?: ServerMajor;
  /** Require passwords (scram) for TCP connections; the superuser gets this password. */
  password?: string;
  /** false: listen on no TCP address at all, only on the unix socket (url() then names the socket directory). */
  tcp?: boolean;
}

/** Starts a fresh cluster. Call stop() in afterAll. */
export async function startCluster(opts: ClusterOptions = {}): Promise<PgCluster> {
  const major = opts.major ?? 15;
  let binDir = serverBinDir(major);
  if (major !== 15) hydrateEmbeddedSymlinks(binDir);
  const base = await mkdtemp(path.join(os.tmpdir(), `lifeboat-pg${major}-`));
  if (isRoot) {
    const { uid, gid } = postgresIds();
    await chown(base, uid, gid);
    await chmod(base, 0o700);
    // The server user must reach the binaries; node_modules may sit under a folder it cannot enter.
    if (major !== 15) {
      try {
        await runAsServerUser(path.join(binDir, 'postgres'), ['--version']);
      } catch {
        const copy = path.join(os.tmpdir(), `lifeboat-embedded-pg${major}`);
        if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
          await mkdir(copy, { recursive: true });
          await cp(path.dirname(binDir), copy, { recursive: true, verbatimSymlinks: true });
          await execFileAsync('chmod', ['-R', 'a+rX', copy]);
        }
        binDir = path.join(copy, 'bin');
      }
    }
  }
  const data = path.join(base, 'data');
  const port = await freePort();
  const initArgs = ['-D', data, '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'];
  if (opts.password) {
    const pwFile = path.join(base, 'pw');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(pwFile, opts.password, { mode: 0o600 });
    if (isRoot) {
      const { uid, gid } = postgresIds();
      await chown(pwFile, uid, gid);
    }
    initArgs.push('--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwFile}`);
  } else {
    initArgs.push('-A', 'trust');
  }
  await runAsServerUser(path.join(binDir, 'initdb'), initArgs);
  await runAsServerUser(path.join(binDir, 'pg_ctl'), [
    '-D', data, '-w', '-t', '60', '-l', path.join(base, 'server.log'),
    '-o', `-p ${port} -k ${base} -c listen_addresses=${opts.tcp === false ? "''" : '127.0.0.1'} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50`,
    'start',
  ]);
  const pw = opts.password ? `:${encodeURIComponent(opts.password)}` : '';
  const url = (database = 'postgres'): string =>
    opts.tcp === false
      ? `postgresql://postgres${pw}@/${encodeURIComponent(database)}?host=${encodeURIComponent(base)}&port=${port}`
      : `postgresql://postgres${pw}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    major,
    port,
    socketDir: base,
    url,
    query,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
      } finally {
        await c.end();
      }
    },
    async stop() {
      try {
        await runAsServerUser(path.join(binDir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* already stopped */
      }
      await rm(base, { recursive: true, force: true });
    },
  };
}
