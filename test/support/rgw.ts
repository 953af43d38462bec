// A real S3 server for the tests: Ceph's RADOS Gateway (Debian 12's radosgw 16.2) on a throwaway
// single-node cluster — one monitor, one OSD on a sparse bluestore file, radosgw with the beast
// frontend — all on loopback ports, state in a temp folder removed by stop(). Unlike a fake S3 server it
// implements what Lifeboat's guarantees rest on: conditional writes (If-None-Match: *),
// ListMultipartUploads/AbortMultipartUpload, real signature checks, storage classes.
// ../shared/ENVIRONMENT.md lists the pitfalls each setting below avoids.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const execFileAsync = promisify(execFile);

/** The one SSE-KMS key id the test cluster knows (its testing KMS backend). */
export const TEST_KMS_KEY_ID = 'lifeboat-test-key';
const TEST_KMS_KEY = Buffer.alloc(32, 7).toString('base64');

export interface RgwCluster {
  endpoint: string;
  /** ceph.conf of the cluster, for radosgw-admin. */
  conf: string;
  dir: string;
  stop(): Promise<void>;
}

/** What a test process needs to use a cluster started elsewhere (passed in LIFEBOAT_TEST_RGW). */
export interface RgwHandle {
  endpoint: string;
  conf: string;
}

export interface RgwUser {
  accessKeyId: string;
  secretAccessKey: string;
}


function configText(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
mon initial members = a
public addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
# Without these, radosgw with auth none waits 300 s (get_initial_auth_request returned -13).
ms mon client mode = crc
ms client mode = crc
client mount timeout = 30
# A client (radosgw-admin, radosgw) whose operation cannot complete fails after a minute instead
# of waiting forever, so a stuck start is retried or reported rather than hanging the suite.
rados osd op timeout = 60
rados mon op timeout = 60
# One OSD cannot hold RGW's pools at the default 32 PGs each.
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg autoscale mode = off
mon warn on pool no redundancy = false
# Cuts the cold start from ~13 s to a few seconds.
paxos propose interval = 0.05
paxos min wait = 0.01
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.log
mon data = ${dir}/mon/$cluster-$id
osd data = ${dir}/osd/$cluster-$id
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 8589934592
osd fast shutdown = false
osd max object name len = 460
osd max object namespace len = 64
keyring = ${dir}/keyring
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
# Server-side encryption over plain HTTP on loopback; SSE-KMS with the testing backend and one key.
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = lifeboat-test-key=${TEST_KMS_KEY}
`;
}

/**
 * Ceph runs on the real clock even when the suite runs under faketime (to prove no test depends
 * on the date): its monitor and OSD fail under a preloaded fake clock. The AWS SDK corrects the
 * client's skew from the server's Date header.
 */
function realClockEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('FAKETIME') || k === 'LD_PRELOAD') delete env[k];
  return env;
}

async function runOnce(cmd: string, args: string[], conf: string, timeoutMs = 300_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, ['-c', conf, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: realClockEnv() });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string; code?: number | string; signal?: string };
    const log = await readFile(path.join(path.dirname(conf), 'log', 'client.admin.log'), 'utf8').catch(() => '');
    const tail = log.split('\n').filter((l) => / -1 |error|ERROR/.test(l)).slice(-5).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${String(err.code)}${err.signal ? `, ${err.signal}` : ''}): ${err.stderr?.trim() || err.message}${tail ? `\n${tail}` : ''}`);
  }
}

/** Admin commands right after the cluster starts can fail while its first pools are created: try again. */
async function run(cmd: string, args: string[], conf: string, attempts = 3): Promise<string> {
  for (let i = 1; ; i++) {
    try {
      return await runOnce(cmd, args, conf);
    } catch (e) {
      if (i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 1000 * i));
    }
  }
}

/** RGW's first admin command creates pools, which waits for an OSD: wait for it here, with the reason if it never comes. */
async function waitForOsdUp(conf: string, osd: ChildProcess, logFile: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (osd.exitCode !== null || osd.signalCode !== null) break;
    const stat = await runOnce('ceph', ['--connect-timeout', '30', 'osd', 'stat', '-f', 'json'], conf, 60_000).catch(() => '');
    const up = /"num_up_osds":\s*(\d+)/.exec(stat);
    if (up && Number(up[1]) >= 1) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  const why = osd.exitCode !== null || osd.signalCode !== null ? `ceph-osd exited (${String(osd.exitCode ?? osd.signalCode)})` : `no OSD up within ${timeoutMs} ms`;
  throw new Error(`${why}; last lines of its log:\n${log.split('\n').slice(-15).join('\n')}`);
}

async function waitForHttp(url: string, child: ChildProcess, logFile: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`radosgw exited (${child.exitCode}): ${log.slice(-2000)}`);
    }
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`radosgw did not answer on ${url} within ${timeoutMs} ms`);
}

/**
 * Starts a single-node Ceph cluster with radosgw on loopback; about 5–10 s, ~0.5 GiB. A start that
 * fails (an OSD that exits at once, seen now and then on loaded machines and when another cluster
 * starts beside it) is retried from scratch — new folder, new ports — twice before giving up.
 */
export async function startRgwCluster(attempts = 3): Promise<RgwCluster> {
  for (let i = 1; ; i++) {
    try {
      return await startRgwClusterOnce();
    } catch (e) {
      if (i >= attempts) throw e;
      process.stderr.write(`Ceph RGW did not start (try ${i} of ${attempts}), starting a fresh cluster: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    }
  }
}

async function startRgwClusterOnce(): Promise<RgwCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-rgw-'));
  for (const sub of ['mon/ceph-a', 'osd/ceph-0', 'run', 'log', 'rgw']) await mkdir(path.join(dir, sub), { recursive: true });
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  const conf = path.join(dir, 'ceph.conf');
  await writeFile(conf, configText(dir, fsid, monPort, rgwPort));
  const children: ChildProcess[] = [];
  const daemon = (cmd: string, args: string[]): ChildProcess => {
    const child = spawn(cmd, ['-c', conf, '-f', ...args], { stdio: 'ignore', env: realClockEnv() });
    child.on('error', () => undefined);
    children.push(child);
    return child;
  };
  const stop = async (): Promise<void> => {
    for (const c of [...children].reverse()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const env = realClockEnv();
    await execFileAsync('ceph-authtool', ['--create-keyring', path.join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *'], { env });
    await execFileAsync('monmaptool', ['--create', '--addv', 'a', `v1:127.0.0.1:${monPort}`, '--fsid', fsid, path.join(dir, 'monmap')], { env });
    await run('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', path.join(dir, 'monmap'), '--keyring', path.join(dir, 'keyring')], conf);
    daemon('ceph-mon', ['-i', 'a']);
    const osdId = (await run('ceph', ['--connect-timeout', '60', 'osd', 'create'], conf)).trim();
    await run('ceph-osd', ['-i', osdId, '--mkfs'], conf);
    const osd = daemon('ceph-osd', ['-i', osdId]);
    await waitForOsdUp(conf, osd, path.join(dir, 'log', `ceph-osd.${osdId}.log`));
    // A first radosgw-admin command initialises the zone; storage classes must exist before
    // radosgw starts (it reads them once). Stock RGW knows only STANDARD; Lifeboat's default is STANDARD_IA.
    for (let attempt = 1; ; attempt++) {
      // A fresh uid each try: a try that failed late may have created the user already.
      try {
        // On a loaded machine this first command has been seen to wait forever on a pool that
        // was still being created; a new try gets past it, so do not wait long for one.
        await runOnce('radosgw-admin', ['user', 'create', '--uid', `lifeboat-admin-${attempt}`, '--display-name', 'admin'], conf, 90_000);
        break;
      } catch (e) {
        if (attempt >= 4) throw e;
        await new Promise((r) => setTimeout(r, 2000 * attempt));
      }
    }
    await run('radosgw-admin', ['zonegroup', 'placement', 'add', '--rgw-zonegroup', 'default', '--placement-id', 'default-placement', '--storage-class', 'STANDARD_IA'], conf);
    await run('radosgw-admin', ['zone', 'placement', 'add', '--rgw-zone', 'default', '--placement-id', 'default-placement', '--storage-class', 'STANDARD_IA', '--data-pool', 'default.rgw.buckets.data'], conf);
    const rgw = daemon('radosgw', ['-n', 'client.rgw.a']);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitForHttp(endpoint, rgw, path.join(dir, 'log', 'client.rgw.a.log'));
    return { endpoint, conf, dir, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * A new S3 user in a tenant of its own: RGW scopes bucket names by tenant, so every test file can
 * name its buckets "backups" without meeting another file's buckets on the shared server.
 */
export async function createRgwUser(conf: string, keys?: RgwUser): Promise<RgwUser & { tenant: string }> {
  const tenant = `t${randomBytes(6).toString('hex')}`;
  const accessKeyId = keys?.accessKeyId ?? `LB${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = keys?.secretAccessKey ?? randomBytes(24).toString('base64url');
  await run('radosgw-admin', ['user', 'create', '--tenant', tenant, '--uid', 'tester', '--display-name', tenant, '--access-key', accessKeyId, '--secret', secretAccessKey], conf);
  return { tenant, accessKeyId, secretAccessKey };
}
