import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { LifeboatError } from '../errors.js';
import { spawnTool, summarizeStderr, type RunningTool } from '../jobs/child-process.js';
import type { PgToolCandidate } from '../pg/tool-discovery.js';
import { scrubSecrets } from '../redact.js';
import { PlainSqlFilter } from './plain-sql-filter.js';
import { newRestrictKey, refusedMetaCommand, requireRestrictingPsql } from './psql-guard.js';
import { runRestoreTool } from './restore-tools.js';

/** Where the SQL comes from: the backup's own text, or pg_restore's script of an archive. */
export type SqlSource =
  | { kind: 'plain'; stream: Readable }
  | { kind: 'archive'; pgRestore: PgToolCandidate; args: string[]; env: NodeJS.ProcessEnv; input?: Readable | undefined };

export interface PsqlPipeRun {
  psql: PgToolCandidate;
  /** psql's connection arguments and environment (password, PGAPPNAME). */
  connArgs: string[];
  env: NodeJS.ProcessEnv;
  source: SqlSource;
  /** Lifeboat's BEGIN first and its COMMIT last (an existing database). */
  ownTransaction: boolean;
  /** Session settings and statements run first, each on one line (lock_timeout, --clean's preamble). */
  preamble: readonly string[];
  noOwner: boolean;
  noAcl: boolean;
  signal?: AbortSignal | undefined;
  describe: string;
  secrets: readonly (string | null)[];
  what: string;
  /** A lock timeout's sentence (names the sessions holding the locks). */
  onLockTimeout?: (() => Promise<LifeboatError>) | undefined;
}

const LOCK_TIMEOUT = /ERROR:\s+canceling statement due to lock timeout/;

/**
 * Every SQL restore goes through one psql that Lifeboat feeds, and Lifeboat owns its ending:
 *
 * - The stream starts with `\restrict KEY`, a random key only this run knows, so psql refuses
 *   every meta-command a backup carries (`\!` would run a shell command) — including in the script
 *   pg_restore makes of an archive. ON_ERROR_STOP ends the run at the first refusal or error.
 * - Over an existing database Lifeboat writes BEGIN first and COMMIT only after the backup's last
 *   byte passed the integrity check and pg_restore exited 0. If Lifeboat dies (kill -9) at any
 *   moment before that, psql reads end-of-input without COMMIT and the server rolls everything
 *   back; pg_restore, whose stdout was Lifeboat, dies of a broken pipe. No tool can outlive
 *   Lifeboat and commit, on any platform — which `pg_restore --single-transaction` into the
 *   database could not promise: it commits on its own once it has read its input.
 * The extra hop (psql parses what pg_restore would have sent itself) made restores about 1.2x as
 * long on a busy 2-core machine (README, restore section), so run-restore uses it where it buys the
 * guarantee: over existing databases, and for plain SQL, which psql runs anyway.
 */
export async function runPsqlPipe(run: PsqlPipeRun): Promise<void> {
  requireRestrictingPsql(run.psql);
  const key = newRestrictKey();
  const filter = new PlainSqlFilter({ noOwner: run.noOwner, noAcl: run.noAcl, ownTransaction: run.ownTransaction });
  // BEGIN before the preamble: --clean's DROP statements belong to the one transaction.
  const header = [`\\restrict ${key}`, ...(run.ownTransaction ? ['BEGIN;'] : []), ...run.preamble];
  let producer: RunningTool | null = null;
  const failed: { input: Error | null } = { input: null };

  let sql: Readable;
  if (run.source.kind === 'plain') {
    sql = run.source.stream;
  } else {
    const src = run.source;
    producer = spawnTool(src.pgRestore.path, src.args, src.env, { dieWithParent: true });
    producer.child.stdin.on('error', () => undefined);
    if (src.input) feedInto(producer, src.input, failed);
    else producer.child.stdin.end();
    sql = producer.child.stdout;
  }
  const filtered = (pipeline as unknown as (...s: unknown[]) => Readable)(sql, filter, () => undefined);
  const running = producer;

  async function* script(): AsyncGenerator<Buffer | string> {
    yield `${header.join('\n')}\n`;
    for await (const chunk of filtered) yield chunk as Buffer;
    if (running) {
      const r = await running.exited;
      if (failed.input) throw failed.input;
      if (r.code !== 0) {
        const why = scrubSecrets(summarizeStderr(r.stderr), run.secrets) || `exit code ${r.code}${r.signal ? `, signal ${r.signal}` : ''}`;
        throw new LifeboatError('PG_RESTORE_FAILED', `${run.describe}: pg_restore: ${why}`);
      }
    }
    // Only now: every byte arrived, matched, and was turned into SQL without error. And only once
    // psql has run every statement before it: the COMMIT is not even in psql's input while an
    // index is still being built, so a kill -9 at any moment before leaves nothing committed.
    if (run.ownTransaction) {
      yield `SELECT '${readyMark}' AS lifeboat;\n`;
      if (!(await psqlReady)) return;
      committed = true;
      yield 'COMMIT;\n';
    }
  }

  // psql prints this (a nonce the backup cannot know) when it reached the end of the backup's SQL.
  const readyMark = `lifeboat-ready-${newRestrictKey()}`;
  let reached: (seen: boolean) => void = () => undefined;
  const psqlReady = new Promise<boolean>((resolve) => (reached = resolve));
  let committed = false;
  const watchPsql = (child: ChildProcessWithoutNullStreams): void => {
    let tail = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      tail = (tail + s).slice(-4 * readyMark.length);
      if (tail.includes(readyMark)) reached(true);
    });
    // psql stopped first (an error): no COMMIT, and its own message is the failure.
    child.on('close', () => reached(false));
  };

  let lockTimedOut = false;
  try {
    await runRestoreTool({
      tool: run.psql,
      args: ['--no-psqlrc', '--quiet', '--no-password', '--set=ON_ERROR_STOP=1', ...run.connArgs, '--file=-'],
      env: run.env,
      input: Readable.from(script()),
      signal: run.signal,
      describe: run.describe,
      secrets: run.secrets,
      what: run.what,
      onChild: watchPsql,
      explainFailure: (stderr) => {
        if (LOCK_TIMEOUT.test(stderr)) lockTimedOut = true;
        return refusedMetaCommand(stderr, header.length, filter, run.source.kind === 'plain');
      },
    });
    if (run.ownTransaction && !committed) throw new LifeboatError('PG_RESTORE_FAILED', `${run.describe}: psql stopped before the end of the backup, so nothing was committed.`);
  } catch (e) {
    if (lockTimedOut && run.onLockTimeout && !run.signal?.aborted) throw await run.onLockTimeout();
    throw e;
  } finally {
    filtered.destroy();
    if (running && running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
  }
}

/** Feeds pg_restore's stdin; a failing input (integrity, storage) kills it and is remembered. */
function feedInto(tool: RunningTool, input: Readable, failed: { input: Error | null }): void {
  const stdin = tool.child.stdin;
  input.on('error', (e) => {
    failed.input ??= e;
    tool.child.kill('SIGKILL');
  });
  stdin.on('error', () => input.destroy());
  input.pipe(stdin);
}
