// Keys and manifests are untrusted input. A key with ".." reached another bucket through the S3
// endpoint (a path-normalising server then read it and took a verify record), the app's pin did the
// same, and retention deleted a pinned backup whose manifest it could not read. Against the real
// S3 server, behind a proxy that records every request, and the real CLI and app service.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { EventHub } from '../../electron/app-service/event-sink.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { listBackups } from '../../electron/engine/backup/list-backups.js';
import { openStorage } from '../../electron/engine/storage/open-storage.js';
import { parseStorageTarget } from '../../electron/engine/storage/target.js';
import type { BackupStorage } from '../../electron/engine/storage/storage.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';

let pg: PgCluster;
let s3: S3Server;
let proxy: StallingProxy;
let home: Awaited<ReturnType<typeof tempHome>>;
let service: AppService;
const requests: string[] = [];
const DAY = 86_400_000;
const NOW = new Date('2026-11-25T12:00:00Z');
let otherKey = '';
let evil = '';

const env = () => ({ ...process.env, ...home, ...s3.env });
/** Storage "here", reached through the recording proxy. */
const here = () => `s3://here?endpoint=${proxy.endpoint}&path_style=true&storage_class=STANDARD`;

beforeAll(async () => {
  [pg, s3, home] = await Promise.all([startCluster({ major: 15 }), startS3Server(), tempHome()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 50)', [], 'shop');
  await s3.createBucket('here');
  await s3.createBucket('other');
  proxy = await startStallingProxy(s3.endpoint, (req) => {
    requests.push(`${req.method} ${req.url}`);
    return false;
  });
  otherKey = (await runBackup({ db: pg.url('shop'), to: s3.storageUrl('other'), env: env(), now: () => NOW })).key;
  evil = `../other/${otherKey}`;
  service = createAppService({ emit: new EventHub().emit, shell: 'web', env: env() });
});

afterAll(async () => {
  await service?.shutdown();
  await Promise.all([pg?.stop(), s3?.stop(), proxy?.close()]);
});

describe('keys that could leave the bucket', () => {
  it('are refused by every CLI command with one sentence, before any request to storage', async () => {
    const before = await s3.listKeys('other');
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'lifeboat-evil-')), 'x.dump');
    const commands = [
      ['verify', '--to', here(), '--key', evil],
      ['restore', '--to', here(), '--key', evil, '--target', pg.url('stolen'), '--create'],
      ['extract', '--to', here(), '--key', evil, '--server', pg.url('postgres'), '--table', 'public.orders'],
      ['decrypt', '--to', here(), '--key', evil, '--out', out],
      ['verify', '--to', here(), '--key', `/other/${otherKey}`],
      ['verify', '--to', `s3://here/mine?endpoint=${proxy.endpoint}`, '--key', otherKey],
    ];
    for (const args of commands) {
      requests.length = 0;
      const r = await runCli(args, env());
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/The backup key .* is refused because it (contains a "\." or "\.\." segment|is an absolute path \(starts with "\/"\)|is outside the storage's prefix "mine\/")\. Check --to and --db-name, or run `lifeboat list`\./);
      expect(requests, args.join(' ')).toEqual([]);
    }
    expect(await s3.listKeys('other')).toEqual(before);
    expect(existsSync(out)).toBe(false);
    expect(await pg.query("SELECT 1 FROM pg_database WHERE datname = 'stolen'")).toEqual([]);
  });

  it('are refused by the app service (restore, extract, verify, pin) at the contract and in the engine', async () => {
    const saved = await dispatchCall(service, 'targets.save', { name: 'shop', dbUrl: pg.url('shop'), storageUrl: here() });
    expect(saved.ok).toBe(true);
    const manifestBefore = await getText('other', `${otherKey}.manifest.json`);
    requests.length = 0;
    for (const [name, req] of [
      ['backup.pin', { targetId: 'shop', key: evil, pinned: false }],
      ['backup.verify', { targetId: 'shop', key: evil }],
      ['restore.review', { targetId: 'shop', backup: { kind: 'key', key: evil }, destination: { kind: 'temp' } }],
      ['extract.tables', { targetId: 'shop', backup: { kind: 'key', key: evil } }],
    ] as const) {
      const r = await dispatchCall(service, name, req);
      expect(r, name).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/refused because it contains a "\." or "\.\." segment/) as unknown } });
    }
    // Past the contract (a handler called directly), the engine refuses the same keys itself.
    await expect(service.handlers['backup.pin']({ targetId: 'shop', key: evil, pinned: false })).rejects.toMatchObject({ code: 'BAD_KEY' });
    await expect(service.handlers['backup.pin']({ targetId: 'shop', key: `elsewhere/${otherKey}`, pinned: false })).rejects.toMatchObject({ code: 'BAD_KEY', message: expect.stringMatching(/outside the storage's prefix/) as unknown });
    await expect(service.handlers['restore.review']({ targetId: 'shop', backup: { kind: 'key', key: evil }, destination: { kind: 'temp' } })).rejects.toMatchObject({ code: 'BAD_KEY' });
    expect(requests).toEqual([]);
    expect(await getText('other', `${otherKey}.manifest.json`)).toBe(manifestBefore);
    expect(await s3.listKeys('other')).not.toContain(`${otherKey}.verify.json`);
  });

  it('are ignored when a listing returns them', async () => {
    const real = openStorage(parseStorageTarget(s3.storageUrl('other'), env()));
    // What a hostile or broken server could answer: keys that climb out, or lie outside the prefix.
    const hostile: BackupStorage = Object.assign(Object.create(real) as BackupStorage, {
      async *list(prefix: string) {
        for await (const o of real.list(prefix)) yield o;
        for (const key of [`database_backups/../../here/${otherKey}`, `elsewhere/${otherKey}`, `database_backups//2026/11/25/shop_20261125_120000.dump`]) {
          yield { key, size: 10, lastModified: NOW };
        }
      },
    });
    const entries = await listBackups(hostile, { prefix: 'database_backups' });
    expect(entries.map((e) => e.key)).toEqual([otherKey]);
  });
});

async function getText(bucket: string, key: string): Promise<string> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await r.Body?.transformToString()) ?? '';
}

describe('retention and manifests it does not understand', () => {
  it('keeps a pinned backup with a damaged manifest, one with a newer format, and a pinned one, saying why', async () => {
    await s3.createBucket('kept');
    const to = s3.storageUrl('kept');
    const at = (days: number) => () => new Date(NOW.getTime() - days * DAY);
    const k: Record<number, string> = {};
    for (const d of [1, 2, 3, 40]) k[d] = (await runBackup({ db: pg.url('shop'), to, env: env(), now: at(d) })).key;
    for (const d of [100, 200, 300]) k[d] = (await runBackup({ db: pg.url('shop'), to, env: env(), now: at(d), pin: true, label: `pinned ${d}` })).key;
    const put = (Key: string, Body: string) => s3.client.send(new PutObjectCommand({ Bucket: 'kept', Key, Body }));
    // 100 days: a pinned backup whose manifest was cut short; 200: one a newer Lifeboat wrote.
    await put(`${k[100]}.manifest.json`, (await getText('kept', `${k[100]}.manifest.json`)).slice(0, 40));
    const newer = JSON.parse(await getText('kept', `${k[200]}.manifest.json`)) as Record<string, unknown>;
    await put(`${k[200]}.manifest.json`, JSON.stringify({ ...newer, formatVersion: 99, pinned: 'yes, see retentionLock', retentionLock: true }));
    const before = await s3.listKeys('kept');

    const dry = await runCli(['prune', '--to', to, '--dry-run'], env());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`KEEP +${k[100]}.*never deleted because its manifest is not valid JSON`));
    expect(dry.stdout).toMatch(new RegExp(`KEEP +${k[200]}.*never deleted because its manifest has format version 99, newer than this Lifeboat understands`));
    expect(dry.stdout).toMatch(new RegExp(`KEEP +${k[300]}.*pinned`));
    expect(dry.stdout).toMatch(new RegExp(`DELETE +${k[40]}`));

    const json = await runCli(['prune', '--to', to, '--json'], env());
    expect(json.code).toBe(0);
    const plan = (JSON.parse(json.stdout) as { plan: { backups: { key: string; action: string; reasons: string[]; explanation: string }[] } }).plan;
    expect(plan.backups.find((b) => b.key === k[100])).toMatchObject({ action: 'keep', reasons: ['manifest-not-understood'] });
    expect(plan.backups.find((b) => b.key === k[200])).toMatchObject({ action: 'keep', reasons: ['manifest-not-understood'] });
    const after = await s3.listKeys('kept');
    expect(after).toEqual(before.filter((x) => !x.startsWith(k[40]!)));

    // Listed from its key, marked as not understood.
    const list = await runCli(['list', '--to', to], env());
    expect(list.stdout).toMatch(new RegExp(`${k[100]}.*not understood \\(kept\\)`));
    expect(list.stdout).toMatch(new RegExp(`${k[200]}.*not understood \\(kept\\)`));

    // Restore and verify refuse what they cannot check, rather than skipping the checks.
    const damaged = await runCli(['verify', '--to', to, '--key', k[100]!], env());
    expect(damaged.code).not.toBe(0);
    expect(damaged.stderr).toMatch(/is refused because its manifest is not valid JSON; its integrity cannot be checked/);
    const newerOne = await runCli(['restore', '--to', to, '--key', k[200]!, '--target', pg.url('from_newer'), '--create'], env());
    expect(newerOne.code).not.toBe(0);
    expect(newerOne.stderr).toMatch(/cannot be used by this Lifeboat because its manifest has format version 99.*update Lifeboat/);
  });
});
