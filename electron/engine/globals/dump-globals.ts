import { LifeboatError } from '../errors.js';
import { pgToolConnection, type PgConnection } from '../pg/connection.js';
import type { ServerInfo } from '../pg/server-info.js';
import { chooseTool, discoverTool, noSuitableToolMessage, type PgToolCandidate } from '../pg/tool-discovery.js';
import { scrubSecrets } from '../redact.js';
import { runRestoreTool } from '../restore/restore-tools.js';

/** What a backup records of the server's globals; `rolePasswords` needs an encrypted backup. */
export type GlobalsMode = 'no-passwords' | 'with-passwords' | 'skip';

export type GlobalsDump = { ok: true; text: string; tool: PgToolCandidate } | { ok: false; warning: string };

/**
 * Runs `pg_dumpall --globals-only` (a pg_dumpall of at least the server's major) and keeps its
 * output in memory: globals are small. Any failure — no pg_dumpall, no permission to read
 * pg_authid on a managed server — is returned as a warning, never thrown: the database's backup
 * is what matters and is kept.
 */
export async function dumpGlobals(conn: PgConnection, info: ServerInfo, opts: { mode: Exclude<GlobalsMode, 'skip'>; binDir: string | undefined; env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined }): Promise<GlobalsDump> {
  const found = await discoverTool('pg_dumpall', { binDir: opts.binDir, env: opts.env }).catch(() => []);
  const tool = chooseTool(found, info.major, opts.binDir);
  if (!tool) return { ok: false, warning: `The server's roles were not recorded: ${noSuitableToolMessage('pg_dumpall', `server version ${info.version}, major`, info.major, found)}` };
  const toolConn = pgToolConnection(conn, opts.env, conn.url ? undefined : info.database);
  const args = ['--globals-only', '--no-password', ...(opts.mode === 'with-passwords' ? [] : ['--no-role-passwords']), ...toolConn.args];
  try {
    const text = await runRestoreTool({ tool, args, env: toolConn.env, signal: opts.signal, describe: `pg_dumpall ${tool.version} could not read the globals of ${conn.display}`, secrets: [conn.password], captureStdout: true, what: 'The backup' });
    return { ok: true, text, tool };
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    const why = scrubSecrets(e instanceof Error ? e.message : String(e), [conn.password]);
    return { ok: false, warning: `The server's roles were not recorded (${why}); the backup of the database itself is complete. On a managed server, let the backup's role read pg_authid; until then, restores that keep owners need the roles to exist on the target.` };
  }
}

/** Refuses role passwords in a backup that is not encrypted: they would sit readable in the bucket. */
export function checkGlobalsMode(mode: GlobalsMode, encrypted: boolean): void {
  if (mode === 'with-passwords' && !encrypted) {
    throw new LifeboatError('BAD_INPUT', '--with-role-passwords needs an encrypted backup (a profile with encryption): role password hashes are never stored unencrypted; drop the option, or encrypt the profile.');
  }
}
