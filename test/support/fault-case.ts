// The fault suite's harness: each case gets its own bucket, its own LIFEBOAT_HOME and a way to run
// the real `lifeboat` CLI, and records what the invariants (./invariants.ts) need to judge it
// afterwards: the keys successful runs reported, every output, the targets a restore could touch.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PgCluster } from './pg-cluster.js';
import type { S3Server } from './s3-server.js';
import { tempHome } from './cli.js';

const bin = path.resolve(import.meta.dirname, '../../bin/lifeboat.js');

/** What every case shares: one PostgreSQL cluster (password-protected) and one S3 server. */
export interface FaultWorld {
  pg: PgCluster;
  s3: S3Server;
  /** AWS_* variables for the S3 server (its secret key is checked for in every output). */
  s3Env: Record<string, string>;
  dbPassword: string;
}

/** Where a case's backups go; the invariants look at every one a case used. */
export type CaseStorage = { kind: 's3'; bucket: string; url: string } | { kind: 'file'; dir: string; url: string };

export interface CliRun {
  pid: number;
  child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

export interface CaseRecord {
  /** Keys that a run reported as backed up (exit 0), with the storage they were reported in. */
  reportedKeys: { storage: CaseStorage; key: string }[];
  storages: CaseStorage[];
  /** Everything the runs printed, for the secrets check. */
  outputs: string[];
  /** Set when the case killed Lifeboat with SIGKILL: an incomplete upload may then remain, but must be listed. */
  killedWithSigkill: boolean;
  /**
   * Set when the case made clean-up impossible (the abort itself stalls) and asserted that the run
   * named the incomplete upload it left: it may then remain.
   */
  leftoverReportedByRun: boolean;
  /** Databases a restore could have changed, with their fingerprint beforehand (null: did not exist). */
  restoreTargets: { database: string; before: string | null }[];
}

export interface CaseContext {
  world: FaultWorld;
  name: string;
  /** The case's own bucket, created before the case runs. */
  storage: CaseStorage & { kind: 's3' };
  home: Awaited<ReturnType<typeof tempHome>>;
  /** Environment for the CLI: the case's home, S3 credentials, PGPASSWORD. */
  env: NodeJS.ProcessEnv;
  /** Database URL without the password (it travels in PGPASSWORD, as a DBA would set it up). */
  dbUrl(database: string): string;
  record: CaseRecord;
  /** Starts the CLI; its output is recorded. */
  cli(args: string[], extraEnv?: NodeJS.ProcessEnv): CliRun;
  /** Runs the CLI to the end; records a backup's key when it exits 0 with `--json` output. */
  run(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Records the fingerprint of a database a restore is about to target. */
  watchTarget(database: string): Promise<void>;
  /** Records a further storage the case writes to (e.g. a local folder). */
  useStorage(storage: CaseStorage): void;
}

let bucketSeq = 0;

export async function newCaseContext(world: FaultWorld, name: string): Promise<CaseContext> {
  const home = await tempHome();
  const bucket = `fault-${++bucketSeq}-${process.pid}`;
  await world.s3.createBucket(bucket);
  const storage = { kind: 's3' as const, bucket, url: world.s3.storageUrl(bucket) };
  const env: NodeJS.ProcessEnv = { ...world.s3Env, ...home, PGPASSWORD: world.dbPassword, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const record: CaseRecord = { reportedKeys: [], storages: [storage], outputs: [], killedWithSigkill: false, leftoverReportedByRun: false, restoreTargets: [] };
  const passwordless = (database: string): string => {
    const u = new URL(world.pg.url(database));
    u.password = '';
    return u.toString();
  };
  const ctx: CaseContext = {
    world,
    name,
    storage,
    home,
    env,
    dbUrl: passwordless,
    record,
    cli(args, extraEnv = {}) {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('close', (code, signal) => {
          record.outputs.push(stdout, stderr);
          resolve({ code, signal });
        }),
      );
      return { pid: child.pid ?? -1, child, exited, stdout: () => stdout, stderr: () => stderr };
    },
    async run(args, extraEnv) {
      const r = ctx.cli(args, extraEnv);
      const end = await r.exited;
      if (end.code === 0 && args[0] === 'backup' && args.includes('--json')) {
        const to = args[args.indexOf('--to') + 1];
        const used = record.storages.find((s) => s.url === to);
        const key = (JSON.parse(r.stdout()) as { key: string }).key;
        if (used) record.reportedKeys.push({ storage: used, key });
      }
      return { ...end, stdout: r.stdout(), stderr: r.stderr() };
    },
    async watchTarget(database) {
      record.restoreTargets.push({ database, before: await fingerprintDatabase(world.pg, database) });
    },
    useStorage(s) {
      record.storages.push(s);
    },
  };
  return ctx;
}

/**
 * A database's contents in one hash: every user table's name and rows (as text, sorted). Null
 * when the database does not exist. Meant for the small databases a fault case restores into.
 */
export async function fingerprintDatabase(pg: PgCluster, database: string): Promise<string | null> {
  const exists = await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_database WHERE datname = $1', [database]);
  if (exists[0]?.n === '0') return null;
  const tables = await pg.query<{ q: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1`,
    [],
    database,
  );
  const parts: string[] = [];
  for (const t of tables) {
    const r = await pg.query<{ h: string | null }>(`SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) AS h FROM ${t.q} x`, [], database);
    parts.push(`${t.q}=${r[0]?.h ?? 'empty'}`);
  }
  return parts.join(';');
}

/** Processes whose environment carries this case's LIFEBOAT_HOME: the CLI and every tool it spawned. */
export async function processesOfCase(home: string): Promise<{ pid: number; comm: string }[]> {
  const marker = `LIFEBOAT_HOME=${home}\0`;
  const found: { pid: number; comm: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, 'utf8');
      if (!environ.includes(marker)) continue;
      // A zombie has already exited; it only waits for its parent to read its status.
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue;
      found.push({ pid: Number(entry), comm: (await readFile(`/proc/${entry}/comm`, 'utf8')).trim() });
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return found;
}

/** Polls until `probe` returns a value (not null/undefined/false), or throws after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
