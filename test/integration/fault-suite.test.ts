// The fault suite (issue 9, "Tests"): each row sets up one fault, runs the real `lifeboat` CLI
// against real PostgreSQL and the S3 server, and is then checked against every invariant in
// test/support/invariants.ts. A table of cases × invariants is printed at the end.
//
// Adding a case: append a row to CASES with a name and `run(ctx)`. Use ctx.cli/ctx.run to start the
// CLI (outputs are recorded for the secrets check), ctx.watchTarget before a restore touches a
// database, ctx.useStorage for storage other than the case's own bucket, and set
// ctx.record.killedWithSigkill when the case kill -9s Lifeboat. A case whose fix lives on another
// branch gets `todo: 'branch: what is missing'` and shows as "todo", never as passed
// (LIFEBOAT_FAULT_TODO=1 runs those that have a `run`, to see what still breaks).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../shared/manifest.js';
import { newCaseContext, processesOfCase, waitFor, type CaseContext, type CliRun, type FaultWorld } from '../support/fault-case.js';
import { startFaultyProxy } from '../support/faulty-proxy.js';
import { INVARIANTS, formatTable, type Verdict } from '../support/invariants.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';

interface FaultCase {
  name: string;
  /** "branch: what is missing" — the row is registered as it.todo and shown as todo. */
  todo?: string;
  /** Why the case cannot run on this machine (checked when the file loads), or null. */
  unavailable?: string | null;
  run?: (ctx: CaseContext) => Promise<void>;
}

const DB_PASSWORD = 'fault-suite-pw-7c1e9a';
/** Termination bound for a cancelled process: generous, it asserts that it ends, not how fast. */
const EXIT_BOUND_MS = 60_000;

/** LIFEBOAT_FAULT_TODO=1 runs the todo rows that have a `run`, to see what still breaks (the branch fixing one flips it). */
const RUN_TODO = process.env.LIFEBOAT_FAULT_TODO === '1';

let pgc: PgCluster;
let s3: S3Server;
let world: FaultWorld;

/** Holds an ACCESS EXCLUSIVE lock on shop's first table, so pg_dump waits at a known point. */
async function holdGate(): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: pgc.url('shop') });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE public.aaa_gate IN ACCESS EXCLUSIVE MODE');
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** A backend of one kind: pg_dump waiting for the gate, or the connection holding the exported snapshot. */
async function waitingBackend(kind: 'pg_dump' | 'snapshot'): Promise<number> {
  // pg_dump waits on the gate's lock; Lifeboat's own connection holds the exported snapshot, idle in its transaction.
  const where = kind === 'pg_dump' ? `wait_event_type = 'Lock' AND application_name = 'pg_dump'` : `state = 'idle in transaction' AND query LIKE '%pg_export_snapshot%'`;
  return waitFor(`${kind} waiting on the gate`, async () => {
    const rows = await pgc.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = 'shop' AND ${where}`);
    return rows[0]?.pid;
  });
}

async function terminateBackend(pid: number): Promise<void> {
  await pgc.query('SELECT pg_terminate_backend($1)', [pid]);
}

function backupArgs(ctx: CaseContext, db: string, to = ctx.storage.url): string[] {
  return ['backup', '--db', ctx.dbUrl(db), '--to', to, '--json'];
}

function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = path.join(os.tmpdir(), `lifeboat-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('rm', ['-rf', dir]);
  }
}

/** A message a user can act on: one line, no "Unexpected error", no stack. */
function expectOneSentence(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.startsWith('lifeboat:'));
  expect(lines.at(-1) ?? '').toMatch(pattern);
  expect(stderr).not.toMatch(/Unexpected error|\n\s+at /);
}

const CASES: FaultCase[] = [
  {
    name: 'backup, no fault',
    async run(ctx) {
      const r = await ctx.run(backupArgs(ctx, 'shop'));
      expect(r.code, r.stderr).toBe(0);
    },
  },
  {
    name: 'pg_dump killed (SIGKILL)',
    async run(ctx) {
      const gate = await holdGate();
      const run = ctx.cli(backupArgs(ctx, 'shop'));
      try {
        await waitingBackend('pg_dump');
        const dump = await waitFor('the pg_dump process', async () => (await processesOfCase(ctx.home.LIFEBOAT_HOME)).find((p) => p.comm === 'pg_dump'));
        process.kill(dump.pid, 'SIGKILL');
      } finally {
        await gate.release();
      }
      const end = await run.exited;
      expect(end.code).toBe(1);
      expectOneSentence(run.stderr(), /^lifeboat: pg_dump was killed by signal SIGKILL while backing up database "shop" at 127\.0\.0\.1:\d+; nothing was stored\. Check what stopped it/);
    },
  },
  {
    name: "server ends pg_dump's connection",
    async run(ctx) {
      const gate = await holdGate();
      const run = ctx.cli(backupArgs(ctx, 'shop'));
      try {
        await terminateBackend(await waitingBackend('pg_dump'));
      } finally {
        await gate.release();
      }
      const end = await run.exited;
      expect(end.code).toBe(1);
      expectOneSentence(run.stderr(), /^lifeboat: The server ended pg_dump's connection while backing up database "shop" .*; nothing was stored\. Check the server log/);
    },
  },
  {
    // pg_dump had already imported the snapshot, so its dump is whole: kept. The counts come from
    // the dump's own COPY stream, so losing Lifeboat's snapshot connection costs nothing.
    name: 'snapshot connection terminated',
    async run(ctx) {
      const gate = await holdGate();
      const run = ctx.cli(backupArgs(ctx, 'shop'));
      try {
        await waitingBackend('pg_dump');
        await terminateBackend(await waitingBackend('snapshot'));
      } finally {
        await gate.release();
      }
      const end = await run.exited;
      expect(end.code, run.stderr()).toBe(0);
      const key = (JSON.parse(run.stdout()) as { key: string }).key;
      ctx.record.reportedKeys.push({ storage: ctx.storage, key });
      const manifest = manifestSchema.parse(await readManifest(ctx, key));
      expect(manifest.rowCounts).toBe('exact');
      expect(manifest.tables.find((t) => t.schema === 'sales' && t.name === 'customers')?.rows).toBeGreaterThan(0);
    },
  },
  {
    name: 'stalled storage, then SIGTERM',
    async run(ctx) {
      // The backup's own object stalls (its key claim goes through: a stalled claim is another moment).
      const proxy = await startStallingProxy(world.s3.endpoint, (req) => req.method === 'PUT' && /database_backups\/.*\.dump(\?|$)/.test(req.url ?? ''));
      try {
        const run = ctx.cli(backupArgs(ctx, 'shop', `s3://${ctx.storage.bucket}?endpoint=${encodeURIComponent(proxy.endpoint)}`));
        await waitFor('an upload held by the proxy', () => proxy.held() > 0);
        run.child.kill('SIGTERM');
        const bound = setTimeout(() => run.child.kill('SIGKILL'), EXIT_BOUND_MS);
        const end = await run.exited;
        clearTimeout(bound);
        expect(end.signal, 'the process had to be killed: SIGTERM did not end it').toBeNull();
        expect(end.code).toBe(130);
        expectOneSentence(run.stderr(), /^lifeboat: The backup was cancelled; nothing was kept\.$/);
      } finally {
        await proxy.close();
      }
    },
  },
  {
    // The very first write, the key claim, stalls: the cancel aborts that request at once.
    name: 'stalled key claim, then SIGTERM',
    async run(ctx) {
      const proxy = await startStallingProxy(world.s3.endpoint, (req) => req.method === 'PUT' && /\.claim(\?|$)/.test(req.url ?? ''));
      try {
        const run = ctx.cli(backupArgs(ctx, 'shop', `s3://${ctx.storage.bucket}?endpoint=${encodeURIComponent(proxy.endpoint)}`));
        await waitFor('the claim held by the proxy', () => proxy.held() > 0);
        run.child.kill('SIGTERM');
        const end = await exitWithin(run, EXIT_BOUND_MS);
        expect(end.code).toBe(130);
        expectOneSentence(run.stderr(), /^lifeboat: .*cancelled/);
        expect(run.stderr()).not.toContain('clean-up did not finish');
      } finally {
        await proxy.close();
      }
    },
  },
  {
    // Clean-up itself cannot finish (the abort request stalls too): the grace period ends it.
    name: 'stalled upload and abort, then SIGTERM',
    async run(ctx) {
      const { proxy, run } = await startStalledMultipart(ctx, (req) => req.method === 'DELETE');
      try {
        run.child.kill('SIGTERM');
        const end = await exitWithin(run, EXIT_BOUND_MS);
        expect(end.code).toBe(130);
        expectOneSentence(run.stderr(), /^lifeboat: clean-up did not finish within 15 s; exiting: the incomplete upload of database_backups\/.*\.dump to s3:\/\/.* could not be removed; `lifeboat prune` removes it once it is a day old\.$/);
        ctx.record.leftoverReportedByRun = true;
      } finally {
        await proxy.close();
      }
    },
  },
  {
    name: 'stalled upload, SIGTERM twice',
    async run(ctx) {
      const { proxy, run } = await startStalledMultipart(ctx, (req) => req.method === 'DELETE');
      try {
        run.child.kill('SIGTERM');
        await waitFor('the cancel to be announced', () => run.stderr().includes('cancelling'));
        run.child.kill('SIGTERM');
        const end = await exitWithin(run, EXIT_BOUND_MS);
        expect(end.code).toBe(130);
        expectOneSentence(run.stderr(), /^lifeboat: stopped at once \(SIGTERM again\); exiting: the incomplete upload of .* could not be removed; `lifeboat prune` removes it once it is a day old\.$/);
        ctx.record.leftoverReportedByRun = true;
      } finally {
        await proxy.close();
      }
    },
  },
  {
    name: 'kill -9 of the CLI mid-upload',
    async run(ctx) {
      // Part 1 goes through, part 2 is held: a multipart upload is open when Lifeboat dies.
      const proxy = await startStallingProxy(world.s3.endpoint, (req) => req.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(req.url ?? ''));
      try {
        const run = ctx.cli(backupArgs(ctx, 'bigger', `s3://${ctx.storage.bucket}?endpoint=${encodeURIComponent(proxy.endpoint)}`));
        await waitFor('part 2 held by the proxy', () => proxy.held() > 0);
        ctx.record.killedWithSigkill = true;
        run.child.kill('SIGKILL');
        await run.exited;
      } finally {
        await proxy.close();
      }
      // Nothing could clean up after kill -9: the next `lifeboat list` names what was left.
      const list = await ctx.run(['list', '--to', ctx.storage.url]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stderr).toMatch(/^lifeboat: 1 incomplete upload from an interrupted backup \(or still running\), started \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ; `lifeboat prune` removes them once they are older than a day\.$/m);
    },
  },
  {
    name: 'lost response to CompleteMultipartUpload',
    async run(ctx) {
      // Every completion answer is lost (RGW answers a retried Complete with 200, so losing one is not enough).
      const proxy = await startFaultyProxy(world.s3.endpoint, (req) => req.method === 'POST' && /[?&]uploadId=/.test(req.url ?? ''), 'drop-response');
      try {
        const to = `s3://${ctx.storage.bucket}?endpoint=${encodeURIComponent(proxy.endpoint)}`;
        ctx.useStorage({ kind: 's3', bucket: ctx.storage.bucket, url: to });
        await ctx.run(backupArgs(ctx, 'bigger', to));
        expect(proxy.failedRequests).toBeGreaterThan(0);
      } finally {
        await proxy.close();
      }
    },
  },
  {
    name: 'local folder full (ENOSPC)',
    unavailable: canMountTmpfs() ? null : 'needs root and tmpfs mounts to make a tiny file system',
    async run(ctx) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-full-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
      try {
        const storage = { kind: 'file' as const, dir, url: `file://${dir}` };
        ctx.useStorage(storage);
        const r = await ctx.run(backupArgs(ctx, 'bigger', storage.url));
        expect(r.code).toBe(1);
        expectOneSentence(r.stderr, /: the disk or your quota is full \(ENOSPC\)\. Free some space/);
        // Checked here, while the file system still exists.
        for (const inv of INVARIANTS.filter((i) => i.name === 'no object without manifest')) expect(await inv.check(ctx)).toBeNull();
      } finally {
        execFileSync('umount', [dir]);
        await rm(dir, { recursive: true, force: true });
        ctx.record.storages = ctx.record.storages.filter((s) => s.kind !== 'file');
      }
    },
  },
  {
    name: 'PostgreSQL unreachable',
    async run(ctx) {
      const r = await ctx.run(['backup', '--db', 'postgresql://postgres@127.0.0.1:1/shop', '--to', ctx.storage.url, '--json']);
      expect(r.code).toBe(1);
      expectOneSentence(r.stderr, /^lifeboat: Cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused\. Check that the server is running/);
    },
  },
  {
    name: 'kill -9 during a restore into an existing database',
    async run(ctx) {
      const backup = await ctx.run(backupArgs(ctx, 'bigger'));
      expect(backup.code, backup.stderr).toBe(0);
      const key = (JSON.parse(backup.stdout) as { key: string }).key;
      // An existing database with a table the backup also has: --clean would replace it.
      const target = 'fault_restore_target';
      await pgc.createDatabase(target);
      await pgc.query(`CREATE TABLE keepme (id int PRIMARY KEY, v text); INSERT INTO keepme SELECT g, md5(g::text) FROM generate_series(1, 500) g; CREATE TABLE noise (g int); INSERT INTO noise VALUES (42)`, [], target);
      await ctx.watchTarget(target);
      const run = ctx.cli(['restore', '--key', key, '--to', ctx.storage.url, '--target', ctx.dbUrl(target), '--clean', '--yes']);
      // The moment: pg_restore is copying the table data into the target.
      await waitFor('the restore copying into the target', async () => {
        const rows = await pgc.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'lifeboat-%' AND state = 'active' AND query ILIKE 'COPY public.noise%'`, [target]);
        return rows.length > 0;
      });
      ctx.record.killedWithSigkill = true;
      run.child.kill('SIGKILL');
      await run.exited;
      // The invariants then check that the target is exactly as before and that no tool or session is left.
    },
  },
  {
    name: 'concurrent backups of one database, same second',
    async run(ctx) {
      // A frozen clock: every run names its backup in the same second.
      const frozen = { LIFEBOAT_TEST_NOW: '2026-11-30T12:00:00.000Z' };
      const results = await Promise.all(Array.from({ length: 6 }, () => ctx.run(backupArgs(ctx, 'shop'), frozen)));
      expect(results.map((r) => r.stderr).filter(Boolean)).toEqual([]);
      expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
      const keys = results.map((r) => (JSON.parse(r.stdout) as { key: string }).key);
      expect(new Set(keys).size).toBe(6);
      expect(keys.every((k) => /shop_20261130_1200[0-5]\d\.dump$/.test(k))).toBe(true);
    },
  },
  {
    name: 'plain SQL backup carrying \\! meta-commands',
    async run(ctx) {
      const marker = path.join(ctx.home.HOME, 'pwned');
      const key = await plantHostileBackup(ctx, marker);
      const target = 'fault_hostile_target';
      await ctx.watchTarget(target);
      const restore = await ctx.run(['restore', '--key', key, '--to', ctx.storage.url, '--target', ctx.dbUrl(target)]);
      expect(restore.code).toBe(1);
      expectOneSentence(restore.stderr, /^lifeboat: .*the backup contains a psql meta-command \(\\!\) on line \d+; Lifeboat never runs commands from a backup/i);
      const verify = await ctx.run(['verify', '--key', key, '--to', ctx.storage.url, '--deep', '--server', serverUrl()]);
      expect(verify.code).toBe(1);
      expectOneSentence(verify.stderr, /^lifeboat: .*meta-command/);
      expect(existsSync(marker), 'the meta-command ran').toBe(false);
      expect(await pgc.query('SELECT 1 FROM pg_database WHERE datname = $1', [target])).toEqual([]);
    },
  },
];

/**
 * A plain SQL backup in the case's bucket whose SQL ends with `\! touch MARKER`, under a manifest
 * forged from a real one so that its checksum matches: only the content betrays it.
 */
async function plantHostileBackup(ctx: CaseContext, marker: string): Promise<string> {
  // Not ctx.run: this backup is replaced below, so it is not one Lifeboat reported.
  const real = ctx.cli(['backup', '--db', ctx.dbUrl('shop'), '--to', ctx.storage.url, '--format', 'plain', '--json']);
  const end = await real.exited;
  expect(end.code, real.stderr()).toBe(0);
  const key = (JSON.parse(real.stdout()) as { key: string }).key;
  const sql = ['--', '-- PostgreSQL database dump', '--', '', 'SET lock_timeout = 0;', 'CREATE TABLE public.orders (id int PRIMARY KEY, note text);', `\\! touch ${marker}`, '', '-- PostgreSQL database dump complete', ''].join('\n');
  const body = gzipSync(sql);
  const manifest = { ...(manifestSchema.parse(await readManifest(ctx, key)) as Record<string, unknown>), sha256: createHash('sha256').update(body).digest('hex'), sizeBytes: body.length };
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  await world.s3.client.send(new PutObjectCommand({ Bucket: ctx.storage.bucket, Key: key, Body: body }));
  await world.s3.client.send(new PutObjectCommand({ Bucket: ctx.storage.bucket, Key: `${key}.manifest.json`, Body: JSON.stringify(manifest) }));
  return key;
}

/** The server's URL without a database or password (the password travels in PGPASSWORD). */
function serverUrl(): string {
  const u = new URL(pgc.url());
  u.password = '';
  return u.toString();
}

/**
 * A backup of `bigger` whose second multipart part is held by a proxy (and any request matching
 * `alsoStall`), started and waited for until the part is held.
 */
async function startStalledMultipart(ctx: CaseContext, alsoStall: (req: IncomingMessage) => boolean): Promise<{ proxy: StallingProxy; run: CliRun }> {
  const proxy = await startStallingProxy(world.s3.endpoint, (req) => (req.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(req.url ?? '')) || alsoStall(req));
  const run = ctx.cli(backupArgs(ctx, 'bigger', `s3://${ctx.storage.bucket}?endpoint=${encodeURIComponent(proxy.endpoint)}`));
  await waitFor('part 2 held by the proxy', () => proxy.held() > 0);
  return { proxy, run };
}

/** Waits for the process to exit; SIGKILLs it after `ms` (the test then fails on the signal). */
async function exitWithin(run: CliRun, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const bound = setTimeout(() => run.child.kill('SIGKILL'), ms);
  const end = await run.exited;
  clearTimeout(bound);
  expect(end.signal, `the process did not exit within ${ms / 1000} s and had to be killed`).toBeNull();
  return end;
}

async function readManifest(ctx: CaseContext, key: string): Promise<unknown> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const r = await world.s3.client.send(new GetObjectCommand({ Bucket: ctx.storage.bucket, Key: `${key}.manifest.json` }));
  return JSON.parse(await r.Body!.transformToString());
}

const table: { name: string; verdicts: Verdict[]; note?: string }[] = CASES.map((c) => ({
  name: c.name,
  verdicts: INVARIANTS.map((): Verdict => (c.todo && !(RUN_TODO && c.run) ? 'todo' : 'not run')),
  ...(c.todo ? { note: c.todo } : c.unavailable ? { note: `not run: ${c.unavailable}` } : {}),
}));

beforeAll(async () => {
  [pgc, s3] = await Promise.all([startCluster({ major: 15, password: DB_PASSWORD }), startS3Server()]);
  world = { pg: pgc, s3, s3Env: { ...s3.env }, dbPassword: DB_PASSWORD };
  await pgc.createDatabase('shop');
  await pgc.query(
    `CREATE TABLE aaa_gate (id int); INSERT INTO aaa_gate VALUES (1);
     CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 5000) g;`,
    [],
    'shop',
  );
  // ~30 MB that does not compress: several multipart parts, and more than a tiny file system holds.
  await pgc.createDatabase('bigger');
  await pgc.query(`CREATE EXTENSION pgcrypto; CREATE TABLE noise AS SELECT g, gen_random_bytes(1024) AS b FROM generate_series(1, 30000) g`, [], 'bigger');
}, 180_000);

afterAll(async () => {
  console.log(`\nFault suite: cases × invariants\n${formatTable(table)}\n`);
  await Promise.all([pgc?.stop(), s3?.stop()]);
});

describe('fault suite', () => {
  CASES.forEach((c, row) => {
    if (!c.run || (c.todo && !RUN_TODO)) {
      it.todo(`${c.name} (${c.todo ?? 'no run yet'})`);
      return;
    }
    const run = c.run;
    it.skipIf(Boolean(c.unavailable))(c.name, async () => {
      const ctx = await newCaseContext(world, c.name);
      // The invariants are checked even when the case's own expectations failed; that failure is reported first.
      const failure = await run(ctx).then(() => null, (e: unknown) => e);
      const broken: string[] = [];
      for (const [i, inv] of INVARIANTS.entries()) {
        const why = await inv.check(ctx).catch((e: unknown) => `the check failed: ${String(e)}`);
        table[row]!.verdicts[i] = why === null ? 'held' : 'BROKEN';
        if (why !== null) broken.push(`${inv.name}: ${why}`);
      }
      if (failure) throw failure instanceof Error ? failure : new Error(`the case threw a ${typeof failure}`);
      expect(broken, `invariants broken after "${c.name}"`).toEqual([]);
    }, 180_000);
  });
});
