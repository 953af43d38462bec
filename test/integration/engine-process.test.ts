// The engine in its own process (service-host/): the host relays the contract's calls and events
// to a forked engine — as `npm run web` does, and as the desktop app does with a utilityProcess —
// and survives the engine being killed: waiting calls and running jobs end with a clear error, the
// engine comes back, nothing half-done is left under a real key, and no process outlives its host.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, JobView } from '../../shared/ipc-contract.js';
import { forkEngine } from '../../electron/service-host/message-port.js';
import { RemoteService } from '../../electron/service-host/remote-service.js';
import { engineArgs, type EngineMessage, type HostMessage } from '../../electron/service-host/service-messages.js';
import { tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';

const DIST = path.resolve(import.meta.dirname, '../../dist/electron');
const ENTRY = path.join(DIST, 'service-host/engine-process.js');

let pg: PgCluster;
let s3: S3Server;
let proxy: StallingProxy;
let env: NodeJS.ProcessEnv;
const live: RemoteService[] = [];

beforeAll(async () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  [pg, s3, home] = await Promise.all([startCluster({ major: 15 }), startS3Server(), tempHome()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 1000)', [], 'shop');
  await s3.createBucket('backups');
  // Uploads through the proxy never finish (the key claim that comes first does): a backup stays running.
  proxy = await startStallingProxy(s3.endpoint, (req) => req.method === 'PUT' && !/\.claim(\?|$)/.test(req.url ?? ''));
  env = { ...process.env, ...home, ...s3.env };
});

afterAll(async () => {
  await Promise.all(live.map((r) => r.shutdown()));
  await Promise.all([pg?.stop(), s3?.stop(), proxy?.close()]);
});

function engine(opts: { maxRestarts?: number; now?: () => number } = {}) {
  const events: { name: EventName; payload: unknown }[] = [];
  const remote = new RemoteService({
    start: () => forkEngine<EngineMessage, HostMessage>(engineArgs({ shell: 'web', notifications: false, loginItem: false }), { env, entry: ENTRY }),
    emit: (name, payload) => void events.push({ name, payload }),
    shutdownGraceMs: 20_000,
    ...opts,
  });
  live.push(remote);
  const finished = async (id: string): Promise<JobView> => {
    for (;;) {
      const e = events.find((x) => x.name === 'job.finished' && (x.payload as JobView).id === id);
      if (e) return e.payload as JobView;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { remote, events, finished };
}

/** Whether the process runs (a zombie waiting for its reaper has ended). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting: ${what} (${execFileSync('ps', ['-eo', 'pid,ppid,stat,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('engine-process')).join('; ')})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function saveTarget(remote: RemoteService, name: string): Promise<string> {
  const r = await remote.call('targets.save', { name, dbUrl: `postgresql://postgres@127.0.0.1:${pg.port}/shop`, storageUrl: `s3://backups?endpoint=${encodeURIComponent(proxy.endpoint)}` });
  if (!r.ok) throw new Error(r.error.message);
  return (r.value as { id: string }).id;
}

describe('the engine process', () => {
  it('answers the contract’s calls, validation errors as values, and relays its events', async () => {
    const { remote, events } = engine();
    expect(await remote.call('app.info', {})).toMatchObject({ ok: true, value: { shell: 'web' } });
    expect(await remote.call('no.such.call', {})).toMatchObject({ ok: false });
    expect(await remote.call('targets.save', { name: 42 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    await saveTarget(remote, 'relay');
    expect(events.some((e) => e.name === 'targets.changed')).toBe(true);
    expect(remote.enginePid).not.toBe(process.pid);
  });

  it('killed mid-backup: the job ends as failed, the engine comes back, and no backup appears under a real key', async () => {
    const { remote, finished } = engine();
    const targetId = await saveTarget(remote, 'killed');
    const started = await remote.call('backup.start', { targetId });
    expect(started.ok).toBe(true);
    const job = (started as { value: JobView }).value;
    await until('the upload to stall', () => proxy.held() > 0);
    expect(remote.runningCount()).toBe(1);
    const first = remote.enginePid!;
    process.kill(first, 'SIGKILL');
    const ended = await finished(job.id);
    expect(ended).toMatchObject({ state: 'failed', error: { code: 'ENGINE_STOPPED' } });
    expect(remote.runningCount()).toBe(0);
    // Started again: calls work, from a new process.
    expect(await remote.call('app.info', {})).toMatchObject({ ok: true });
    expect(remote.enginePid).not.toBe(first);
    const listed = await remote.call('backups.list', { targetId });
    expect(listed).toMatchObject({ ok: true, value: { backups: [] } });
    expect((await s3.listKeys('backups')).filter((k) => /\.dump$/.test(k))).toEqual([]);
  });

  it('shuts down cleanly: running jobs are cancelled and cleaned up, then the process ends', async () => {
    const { remote, finished } = engine();
    const targetId = await saveTarget(remote, 'shutdown');
    const started = await remote.call('backup.start', { targetId });
    const job = (started as { value: JobView }).value;
    const held = proxy.held();
    await until('the upload to stall', () => proxy.held() > held);
    const pid = remote.enginePid!;
    await remote.shutdown();
    expect(await finished(job.id)).toMatchObject({ state: 'cancelled' });
    expect(alive(pid)).toBe(false);
    expect(await remote.call('app.info', {})).toMatchObject({ ok: false, error: { code: 'ENGINE_STOPPED' } });
  });

  it('stays stopped, saying so, when it keeps dying', async () => {
    const { remote } = engine({ maxRestarts: 1, now: () => 1_000_000 });
    expect((await remote.call('app.info', {})).ok).toBe(true);
    const first = remote.enginePid!;
    process.kill(first, 'SIGKILL');
    await until('a restart', () => !alive(first) && remote.enginePid !== first);
    expect((await remote.call('app.info', {})).ok).toBe(true);
    const second = remote.enginePid!;
    process.kill(second, 'SIGKILL');
    await until('the host to see the engine gone', () => remote.stoppedReason !== null);
    expect(alive(second)).toBe(false);
    const r = await remote.call('app.info', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'ENGINE_STOPPED' } });
    expect(r.ok ? '' : r.error.message).toMatch(/stopped 2 times within a minute/);
  });

  it('never outlives its host: `npm run web` killed with SIGKILL takes its engine with it', async () => {
    const host = spawn(process.execPath, [path.join(DIST, 'web/main.js'), '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      host.stdout.on('data', (d: Buffer) => (d.toString().includes('Lifeboat is running at') ? resolve() : undefined));
      host.once('exit', (code) => reject(new Error(`the host exited (${code})`)));
    });
    const children = execFileSync('pgrep', ['-P', String(host.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(children).toHaveLength(1);
    host.kill('SIGKILL');
    await until('the engine to end with its host', () => !alive(children[0]!));
  });
});
