import { execFile } from 'node:child_process';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LifeboatError } from '../errors.js';
import { ToolVersionCache } from './tool-version-cache.js';

const execFileAsync = promisify(execFile);

export type PgToolName = 'pg_dump' | 'pg_dumpall' | 'pg_restore' | 'psql';

export interface PgToolCandidate {
  path: string;
  /** As the tool prints it, e.g. "15.20". */
  version: string;
  major: number;
}

/**
 * Where PostgreSQL client tools live on the platforms DBAs use. '*' matches one folder level,
 * so every installed major is found, not only the one first on PATH.
 */
export function candidateDirPatterns(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  const fromPath = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  if (platform === 'win32') {
    const pf = [env.ProgramFiles ?? 'C:\\Program Files', env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)'];
    return [...pf.map((p) => path.win32.join(p, 'PostgreSQL', '*', 'bin')), ...fromPath];
  }
  const dirs = [
    '/usr/lib/postgresql/*/bin', // Debian, Ubuntu
    '/usr/pgsql-*/bin', // RHEL, Fedora (PGDG)
    '/opt/homebrew/opt/postgresql@*/bin', // Homebrew, Apple silicon
    '/usr/local/opt/postgresql@*/bin', // Homebrew, Intel
    '/opt/homebrew/opt/libpq/bin',
    '/usr/local/opt/libpq/bin',
    '/Applications/Postgres.app/Contents/Versions/*/bin',
  ];
  return [...dirs, ...fromPath];
}

async function expandPattern(pattern: string): Promise<string[]> {
  const sep = pattern.includes('\\') && !pattern.includes('/') ? '\\' : '/';
  const parts = pattern.split(sep);
  let current = [parts[0] === '' ? sep : `${parts[0]}${sep}`];
  for (const part of parts.slice(1)) {
    if (!part) continue;
    const next: string[] = [];
    for (const base of current) {
      if (part.includes('*')) {
        const re = new RegExp(`^${part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
        try {
          for (const entry of await readdir(base)) if (re.test(entry)) next.push(path.join(base, entry));
        } catch {
          /* folder absent: nothing to find there */
        }
      } else {
        next.push(path.join(base, part));
      }
    }
    current = next;
  }
  return current;
}

export function parseToolVersion(output: string): { version: string; major: number } | null {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(output);
  if (!m) return null;
  const first = Number(m[1]);
  const version = [m[1], m[2], m[3]].filter((x) => x !== undefined).join('.');
  return { version, major: first };
}

/**
 * Debian's and Ubuntu's `/usr/bin/pg_dump` (and psql, pg_restore…) is a Perl wrapper that runs one of
 * /usr/lib/postgresql/<major>/bin, which are probed themselves: probing it adds no version and costs
 * a Perl start-up per tool.
 */
const DEBIAN_PG_WRAPPER = '/usr/share/postgresql-common/pg_wrapper';

/** Probes within this process, by real path and file stamp (a tool replaced meanwhile is probed again). */
const probed = new Map<string, Promise<PgToolCandidate | null>>();

async function probe(toolPath: string, real: string, cache: ToolVersionCache): Promise<PgToolCandidate | null> {
  const s = await stat(real).catch(() => null);
  if (!s?.isFile()) return null;
  const stamp = { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  const memo = `${real}\0${stamp.size}\0${stamp.mtimeMs}\0${stamp.ino}`;
  let found = probed.get(memo);
  if (!found) {
    found = (async () => {
      const known = await cache.lookup(real, stamp);
      if (known) return { path: toolPath, ...known };
      try {
        const { stdout } = await execFileAsync(toolPath, ['--version'], { timeout: 10000, windowsHide: true });
        const v = parseToolVersion(stdout);
        if (v) cache.remember(real, stamp, v);
        return v ? { path: toolPath, ...v } : null;
      } catch {
        return null;
      }
    })();
    probed.set(memo, found);
  }
  return found;
}

export interface DiscoveryOptions {
  /** A folder holding pg_dump/pg_restore/psql that the user configured (--pg-bin, LIFEBOAT_PG_BIN). */
  binDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/**
 * A folder the user named for the PostgreSQL tools must exist: silently searching elsewhere would
 * run tools the user did not choose.
 */
export async function requireToolFolder(dir: string, setting: string): Promise<void> {
  const s = await stat(dir).catch(() => null);
  if (!s?.isDirectory()) {
    throw new LifeboatError('BAD_INPUT', `The PostgreSQL tools folder ${JSON.stringify(dir)} (${setting}) ${s ? 'is not a folder' : 'does not exist'}; give the folder that holds pg_dump, pg_restore and psql (e.g. /usr/lib/postgresql/17/bin), or leave it out to let Lifeboat find them.`);
  }
}

/** Every installed copy of the tool with its version; the configured folder comes first. */
export async function discoverTool(name: PgToolName, opts: DiscoveryOptions = {}): Promise<PgToolCandidate[]> {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const exe = platform === 'win32' ? `${name}.exe` : name;
  const configured = opts.binDir ?? env.LIFEBOAT_PG_BIN;
  if (configured) await requireToolFolder(configured, opts.binDir !== undefined ? '--pg-bin' : 'LIFEBOAT_PG_BIN');
  const patterns = [...(configured ? [configured] : []), ...candidateDirPatterns(platform, env)];
  const dirs: string[] = [];
  for (const p of patterns) dirs.push(...(await expandPattern(p)));
  // The same file reached twice (/bin and /usr/bin on merged-/usr systems, Homebrew's links) is probed once.
  const paths = dirs.map((d) => path.join(d, exe));
  const reals = await Promise.all(paths.map((p) => realpath(p).catch(() => null)));
  const seen = new Set<string>();
  const todo: { toolPath: string; real: string }[] = [];
  paths.forEach((toolPath, i) => {
    const real = reals[i];
    if (!real || seen.has(real)) return;
    seen.add(real);
    const configuredHere = configured !== undefined && path.resolve(configured) === path.dirname(toolPath);
    if (real === DEBIAN_PG_WRAPPER && !configuredHere) return;
    todo.push({ toolPath, real });
  });
  const cache = ToolVersionCache.forEnv(env);
  const results = await Promise.all(todo.map(({ toolPath, real }) => probe(toolPath, real, cache)));
  await cache.save();
  const byVersion = new Map<string, PgToolCandidate>();
  for (const r of results) if (r && !byVersion.has(r.version)) byVersion.set(r.version, r);
  return [...byVersion.values()];
}

/**
 * The tool to use for a server (or archive) of the given major. It must be at least that major.
 * Among those we take the closest, not the newest: a newer pg_dump writes settings older servers
 * reject on restore (pg_dump 17 emits `SET transaction_timeout`, unknown before 17).
 * A configured folder that qualifies always wins.
 */
export function chooseTool(candidates: readonly PgToolCandidate[], requiredMajor: number, configuredDir?: string): PgToolCandidate | null {
  const fit = candidates.filter((c) => c.major >= requiredMajor);
  if (configuredDir) {
    const own = fit.find((c) => path.dirname(c.path) === path.resolve(configuredDir));
    if (own) return own;
  }
  fit.sort((a, b) => a.major - b.major);
  return fit[0] ?? null;
}

/** How to get PostgreSQL's command line tools of this major on this platform. */
function installCommand(major: number, platform: NodeJS.Platform): string {
  return platform === 'darwin'
    ? `brew install postgresql@${major}`
    : platform === 'win32'
      ? `install the PostgreSQL ${major} command line tools with the EDB installer`
      : `apt-get install postgresql-client-${major} (from the PostgreSQL apt repository, apt.postgresql.org) or dnf install postgresql${major}`;
}

export function installHint(name: PgToolName, major: number, platform: NodeJS.Platform = process.platform): string {
  return `Install ${name} ${major} or newer (${installCommand(major, platform)}).`;
}

/**
 * A feature of newer pg_dumps (lz4/zstd compression: 16) asked of an older one: one sentence naming
 * the versions found and what to install, or the way back to what they can do.
 */
export function toolTooOldMessage(feature: string, name: PgToolName, neededMajor: number, found: readonly PgToolCandidate[], instead: string, platform: NodeJS.Platform = process.platform): string {
  const versions = found.map((c) => `${c.version} (${c.path})`).join(', ');
  const seen = found.length === 0 ? `no ${name} was found` : found.length === 1 ? `the ${name} found is ${versions}` : `the ${name} versions found are ${versions}`;
  return `${feature} needs ${name} ${neededMajor} or newer, and ${seen}; install ${name} ${neededMajor} or newer (${installCommand(neededMajor, platform)}), or ${instead}.`;
}

export function noSuitableToolMessage(name: PgToolName, subject: string, requiredMajor: number, found: readonly PgToolCandidate[], platform?: NodeJS.Platform): string {
  const versions = found.length > 0 ? found.map((c) => `${c.version} (${c.path})`).join(', ') : 'none';
  return `No ${name} can handle ${subject} ${requiredMajor}: it needs ${name} ${requiredMajor} or newer, and the versions found are ${versions}. ${installHint(name, requiredMajor, platform)}`;
}
