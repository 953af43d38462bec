// One schedule model (issue 10, point 1) against real PostgreSQL, RGW, pg_dump and the Secret
// Service: a schedule saved in the app is run headless with `lifeboat scheduler run-now` and backs
// up the profile's database to its storage, encrypted, whatever the PG* variables say; the app
// shows and edits the CLI's schedules without dropping or resetting anything it did not edit.
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import type { IpcResult, ScheduleView } from '../../shared/ipc-contract.js';
import { manifestSchema } from '../../shared/manifest.js';
import type { Schedule } from '../../shared/schedule.js';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { runCli } from '../support/cli.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const DB_PASSWORD = 'sched-model-pw-7q2';
// A timing that does not come round while the test runs (the app's in-process scheduler is live).
const RARE = { cron: '0 3 29 2 *' };

let pg: PgCluster;
let s3: S3Server;

beforeAll(async () => {
  [pg, s3] = await Promise.all([startCluster({ major: 15, password: DB_PASSWORD }), startS3Server()]);
  await pg.createDatabase('shop');
  await pg.createDatabase('other');
  await pg.query(`CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 200) g`, [], 'shop');
  await pg.query(`CREATE TABLE decoy (id int); INSERT INTO decoy VALUES (1)`, [], 'other');
  await s3.createBucket('vault');
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

async function machineWithProfile(prefix: string, extra: string[] = []): Promise<TestEnv> {
  const machine = await freshMachine();
  const add = await runCli(
    ['profile', 'add', 'shop', '--db', `postgresql://postgres@127.0.0.1:${pg.port}/shop`, '--password-stdin', '--to', s3.storageUrl('vault', prefix), '--s3-access-key-id', s3.accessKeyId, '--s3-secret-stdin', ...extra],
    machine,
    `${DB_PASSWORD}\n${s3.secretAccessKey}\n`,
  );
  expect(add.code, add.stderr).toBe(0);
  return machine;
}

function appService(machine: TestEnv): { service: AppService; call: <T>(name: string, request: unknown) => Promise<T> } {
  // The profile's S3 keys and database password come from the keychain.
  const service = createAppService({ emit: () => undefined, shell: 'web', env: { ...process.env, ...machine } });
  const call = async <T,>(name: string, request: unknown): Promise<T> => {
    const r = (await dispatchCall(service, name, request)) as IpcResult<T>;
    if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
    return r.value;
  };
  return { service, call };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const r = await s3.client.send(new ListObjectsV2Command({ Bucket: 'vault', Prefix: `${prefix}/` }));
  return (r.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function stored(key: string): Promise<Buffer> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: 'vault', Key: key }));
  return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

async function activity(machine: TestEnv): Promise<ActivityEntry[]> {
  const text = await readFile(path.join(machine.LIFEBOAT_HOME, 'activity', 'activity.jsonl'), 'utf8').catch(() => '');
  return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ActivityEntry);
}

async function schedulesInFile(machine: TestEnv): Promise<Schedule[]> {
  return (JSON.parse(await readFile(path.join(machine.LIFEBOAT_HOME, 'automation.json'), 'utf8')) as { schedules: Schedule[] }).schedules;
}

describe('a schedule saved in the app, run headless with `lifeboat scheduler run-now`', () => {
  it("backs up the profile's database (not PGDATABASE's) to the profile's storage, in its format, encrypted", async () => {
    const machine = await machineWithProfile('appsched', ['--format', 'plain', '--encrypt']);
    const { service, call } = appService(machine);
    try {
      const view = await call<ScheduleView>('schedules.save', { targetId: 'shop', when: RARE, timezone: 'UTC', enabled: true, retention: null });
      expect(view).toMatchObject({ targetId: 'shop', name: 'shop' });
    } finally {
      await service.shutdown();
    }
    // The file says only "profile shop": no copy of the storage URL that could go stale.
    expect(await schedulesInFile(machine)).toEqual([expect.objectContaining({ name: 'shop', profile: 'shop', db: null, to: null })]);

    // The PG* variables point at ANOTHER database, and no S3 keys are in the environment.
    const pgEnv = { PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGUSER: 'postgres', PGDATABASE: 'other', PGPASSWORD: DB_PASSWORD };
    const r = await runCli(['scheduler', 'run-now', 'shop'], { ...machine, ...pgEnv });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/shop: success appsched\/\d{4}\/\d{2}\/\d{2}\/shop_\d{8}_\d{6}\.sql\.gz\.enc/);

    const keys = await keysUnder('appsched');
    const backup = keys.find((k) => k.endsWith('.sql.gz.enc'));
    expect(backup).toMatch(/^appsched\/\d{4}\/\d{2}\/\d{2}\/shop_\d{8}_\d{6}\.sql\.gz\.enc$/);
    expect(keys.some((k) => k.includes('other_'))).toBe(false);
    const bytes = await stored(backup!);
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('LBOATENC');
    expect(bytes.includes(Buffer.from('order 1'))).toBe(false);
    const manifest = manifestSchema.parse(JSON.parse((await stored(`${backup!}.manifest.json`)).toString('utf8')));
    expect(manifest.database).toBe('shop');
    expect(manifest.format).toBe('plain');
    expect(manifest.encryption?.keyId).toMatch(/^lbk_/);

    // Logged like a scheduled run, under the database, with the schedule named.
    const log = await activity(machine);
    expect(log.find((e) => e.kind === 'scheduler' && e.details.runNow === true)).toBeTruthy();
    expect(log.filter((e) => e.kind === 'backup')).toEqual([expect.objectContaining({ outcome: 'success', profile: 'shop', key: backup, details: expect.objectContaining({ scheduled: true, schedule: 'shop' }) })]);
    const state = JSON.parse(await readFile(path.join(machine.LIFEBOAT_HOME, 'scheduler-state.json'), 'utf8')) as Record<string, { lastOutcome: string }>;
    expect(state.shop?.lastOutcome).toBe('success');
  });

  it('exits non-zero when the run fails, and names an unknown schedule', async () => {
    const machine = await freshMachine();
    const add = await runCli(['scheduler', 'add', 'broken', '--db', `postgresql://postgres@127.0.0.1:${pg.port}/missing_db`, '--to', s3.storageUrl('vault', 'broken'), '--cron', RARE.cron, '--retries', '0', '--no-prune'], machine);
    expect(add.code, add.stderr).toBe(0);
    const r = await runCli(['scheduler', 'run-now', 'broken'], { ...machine, ...s3.env, PGPASSWORD: DB_PASSWORD });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('broken: failure');
    expect(r.stderr).toMatch(/^lifeboat: .*missing_db/);
    const unknown = await runCli(['scheduler', 'run-now', 'nope'], machine);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no schedule named "nope" (there are: broken)');
  });
});

describe("the app and the CLI's schedules", () => {
  it('CLI schedules (two on one profile) are shown in the app and survive it saving one, every field it did not edit kept', async () => {
    const machine = await machineWithProfile('survive');
    const verifyServer = `postgresql://postgres@127.0.0.1:${pg.port}/postgres`;
    for (const [name, extra] of [
      ['shop-nightly', ['--daily', '02:15', '--retries', '5', '--retry-delay', '7', '--verify-every-days', '3', '--verify-deep-on', verifyServer, '--keep-days', '10', '--keep-last', '4']],
      ['shop-hourly', ['--cron', RARE.cron, '--retries', '1', '--retry-delay', '30', '--verify-every-days', '0', '--no-prune', '--no-catch-up']],
    ] as const) {
      const r = await runCli(['scheduler', 'add', name, '--profile', 'shop', '--timezone', 'UTC', ...extra], machine);
      expect(r.code, r.stderr).toBe(0);
    }
    const again = await runCli(['scheduler', 'add', 'shop-nightly', '--profile', 'shop', '--daily', '05:00'], machine);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('lifeboat: A schedule named "shop-nightly" exists already; add --replace to replace it, or change some of its fields with `lifeboat scheduler edit shop-nightly`.\n');
    // Fields only a hand-edited (or older) file carries: GFS retention, and a format.
    const file = path.join(machine.LIFEBOAT_HOME, 'automation.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as { schedules: Schedule[] };
    config.schedules[0]!.retention = { keepDays: 10, keepLast: 4, gfs: { daily: 7, weekly: 4, monthly: 6 } };
    config.schedules[0]!.format = 'plain';
    await writeFile(file, JSON.stringify(config));
    const before = await schedulesInFile(machine);

    const { service, call } = appService(machine);
    try {
      const listed = await call<ScheduleView[]>('schedules.list', {});
      expect(listed.map((v) => [v.targetId, v.name]).sort()).toEqual([['shop', 'shop-hourly'], ['shop', 'shop-nightly']]);
      expect(listed.find((v) => v.name === 'shop-nightly')).toMatchObject({ when: { daily: '02:15' }, retries: 5, retryDelaySeconds: 7, verifyEveryDays: 3, verifyDeep: true, retention: { keepDays: 10, keepLast: 4 } });
      // The screen sends what it edits: time, time zone, enabled, catch-up, keep days/last.
      await call('schedules.save', { targetId: 'shop', name: 'shop-nightly', when: { daily: '04:45' }, timezone: 'UTC', enabled: false, catchUp: true, retention: { keepDays: 12, keepLast: 4 } });
      // And a new schedule of the same database, by another name.
      await call('schedules.save', { targetId: 'shop', name: 'shop-weekly', when: RARE, timezone: 'UTC', enabled: false, retention: null });
      expect((await call<ScheduleView[]>('schedules.list', {})).map((v) => v.name).sort()).toEqual(['shop-hourly', 'shop-nightly', 'shop-weekly']);
      // Another database cannot remove this database's schedule.
      const taken = await dispatchCall(service, 'schedules.remove', { targetId: 'elsewhere', name: 'shop-hourly' });
      expect(taken).toEqual({ ok: true, value: { removed: false } });
    } finally {
      await service.shutdown();
    }
    const after = await schedulesInFile(machine);
    expect(after.find((s) => s.name === 'shop-hourly')).toEqual(before.find((s) => s.name === 'shop-hourly'));
    const nightlyBefore = before.find((s) => s.name === 'shop-nightly')!;
    expect(after.find((s) => s.name === 'shop-nightly')).toEqual({
      ...nightlyBefore,
      when: { daily: '04:45' },
      enabled: false,
      retention: { keepDays: 12, keepLast: 4, gfs: { daily: 7, weekly: 4, monthly: 6 } },
    });
    expect(nightlyBefore).toMatchObject({ retries: 5, retryDelaySeconds: 7, verifyEveryDays: 3, verifyServer, format: 'plain' });
    expect(after.find((s) => s.name === 'shop-weekly')).toMatchObject({ profile: 'shop', db: null, to: null, enabled: false, retention: null });

    // The CLI sees the app's edit, and edits one field without touching the others.
    const edit = await runCli(['scheduler', 'edit', 'shop-nightly', '--retries', '2'], machine);
    expect(edit.code, edit.stderr).toBe(0);
    expect((await schedulesInFile(machine)).find((s) => s.name === 'shop-nightly')).toEqual({ ...after.find((s) => s.name === 'shop-nightly'), retries: 2 });
    const rm = await runCli(['scheduler', 'remove', 'shop-weekly'], machine);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await schedulesInFile(machine)).map((s) => s.name).sort()).toEqual(['shop-hourly', 'shop-nightly']);
  });
});
