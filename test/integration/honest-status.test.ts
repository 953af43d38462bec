// Honest status (issue 10): several databases back up into one storage folder, yet each one's
// figures — Log & report in the app, and `lifeboat report` — count only its own backups; a database
// never backed up says so; a failed `--profile` backup reaches that profile's status; and restore,
// extract and verify from the CLI are logged under the profile they used. Real PostgreSQL, RGW,
// pg_dump/pg_restore and the real CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import type { StatusReport } from '../../shared/report.js';
import { automationConfigSchema } from '../../shared/schedule.js';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { ActivityLog } from '../../electron/engine/activity/activity-log.js';
import { collectReport, reportSubjects } from '../../electron/engine/report/collect-report.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let pg: PgCluster;
let s3: S3Server;
let env: NodeJS.ProcessEnv;
let service: AppService;

const url = (db: string) => `postgresql://postgres@127.0.0.1:${pg.port}/${db}`;

async function call<T>(name: string, request: unknown): Promise<T> {
  const r = await dispatchCall(service, name, request);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.value as T;
}

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, env);
}

beforeAll(async () => {
  const home = await tempHome();
  [pg, s3] = await Promise.all([startCluster({ major: 15 }), startS3Server()]);
  env = { ...process.env, ...home, ...s3.env };
  for (const db of ['shop', 'crm', 'quiet']) await pg.createDatabase(db);
  await pg.query(`CREATE TABLE public.items (id serial PRIMARY KEY, name text); INSERT INTO public.items (name) SELECT 'item ' || g FROM generate_series(1, 20) g`, [], 'shop');
  await pg.query(`CREATE TABLE public.contacts (id int PRIMARY KEY)`, [], 'crm');
  await s3.createBucket('shared');
  service = createAppService({ emit: () => undefined, shell: 'web', env });
  // Three databases, one storage folder: what the app saves (and `lifeboat profile add` would).
  for (const db of ['shop', 'crm', 'quiet']) await call('targets.save', { name: db, dbUrl: url(db), storageUrl: s3.storageUrl('shared') });
  // shop twice, crm once, quiet never; then a crm backup that fails (its --db names no database).
  for (const p of ['shop', 'shop', 'crm']) expect((await cli(['backup', '--profile', p])).code).toBe(0);
  const failed = await cli(['backup', '--profile', 'crm', '--db', url('no_such_db')]);
  expect(failed.code).toBe(1);
});

afterAll(async () => {
  await service?.shutdown();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('status of databases sharing one storage', () => {
  it('Log & report counts each database’s own backups and failures; a database never backed up has none', async () => {
    const { report } = await call<{ report: StatusReport }>('report.get', { days: 7 });
    const of = (name: string) => report.profiles.find((p) => p.name === name);
    expect(of('shop')).toMatchObject({ totalBackups: 2, backupsInPeriod: 2, failuresInPeriod: 0 });
    expect(of('shop')?.lastSuccessAgeHours).not.toBeNull();
    expect(of('crm')).toMatchObject({ totalBackups: 1, backupsInPeriod: 1, failuresInPeriod: 1 });
    expect(of('crm')?.problems).toContain('1 failed backup(s) in the period');
    expect(of('quiet')).toMatchObject({ totalBackups: 0, backupsInPeriod: 0, lastSuccessAt: null, lastSuccessAgeHours: null, state: 'failing' });
    expect(of('quiet')?.problems).toContain('no successful backup at all');
  });

  it('a failed --profile backup is logged under its profile, and the app’s log of that database shows it', async () => {
    const crm = await call<ActivityEntry[]>('activity.list', { targetId: 'crm' });
    expect(crm.filter((e) => e.kind === 'backup').map((e) => e.outcome).sort()).toEqual(['failure', 'success']);
    expect(crm.every((e) => e.profile === 'crm')).toBe(true);
    expect(await call<ActivityEntry[]>('activity.list', { targetId: 'quiet' })).toEqual([]);
  });

  it('`lifeboat report` (its schedules attached to profiles) counts per database too, runs of the profile included', async () => {
    const at = '2026-11-01T00:00:00.000Z';
    const config = automationConfigSchema.parse({
      version: 1,
      schedules: [
        { name: 'nightly-crm', profile: 'crm', when: { daily: '02:00' }, createdAt: at },
        { name: 'nightly-quiet', profile: 'quiet', when: { daily: '03:00' }, createdAt: at },
      ],
    });
    const now = new Date();
    const report = await collectReport(await reportSubjects(config, env), ActivityLog.forEnv(env), new Date(now.getTime() - 7 * 86_400_000), now);
    expect(report.profiles.find((p) => p.name === 'nightly-crm')).toMatchObject({ totalBackups: 1, failuresInPeriod: 1 });
    expect(report.profiles.find((p) => p.name === 'nightly-quiet')).toMatchObject({ totalBackups: 0, lastSuccessAt: null });
  });

  it('restore, extract and verify from the CLI with --profile are logged under that profile', async () => {
    const restored = await cli(['restore', '--profile', 'shop', '--latest', '--db-name', 'shop', '--target', url('shop_copy')]);
    expect(restored.stderr).toBe('');
    const extracted = await cli(['extract', '--profile', 'shop', '--latest', '--db-name', 'shop', '--server', url('postgres'), '--table', 'public.items', '--where', 'id = 3', '--format', 'csv']);
    expect(extracted.stdout).toContain('item 3');
    expect((await cli(['verify', '--profile', 'shop', '--latest', '--db-name', 'shop'])).code).toBe(0);
    const shop = await call<ActivityEntry[]>('activity.list', { targetId: 'shop' });
    for (const kind of ['restore', 'extract', 'verify'] as const) {
      expect(shop.filter((e) => e.kind === kind).map((e) => [e.profile, e.outcome]), kind).toEqual([['shop', 'success']]);
    }
  });
});
