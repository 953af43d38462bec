// The app service's "Restore a file from disk…": restore.review / restore.start with a file source,
// against a real PostgreSQL and the real pg_dump/pg_restore (the target's storage is a local folder).
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, RestoreReview } from '../../shared/ipc-contract.js';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { freshMachine, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN } from '../support/rich-database.js';

const execFileAsync = promisify(execFile);

let pg: PgCluster;
let machine: TestEnv;
let service: AppService;
let targetId = '';
let dump = '';

const call = async (name: string, request: unknown) => dispatchCall(service, name, request);

beforeAll(async () => {
  [pg, machine] = await Promise.all([startCluster({ major: 15 }), freshMachine()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY, total numeric)', [], 'shop');
  await pg.query('INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 1000) g', [], 'shop');
  const files = path.join(machine.HOME, 'handed-over');
  await mkdir(files, { recursive: true });
  dump = path.join(files, 'shop.dump');
  await execFileAsync(`${PG15_BIN}/pg_dump`, ['--format=custom', `--file=${dump}`, `--dbname=${pg.url('shop')}`]);
  await writeFile(path.join(files, 'notes.txt'), 'not a dump\n');
  service = createAppService({ emit: () => undefined, shell: 'web', env: { ...process.env, ...machine } });
  const saved = await call('targets.save', { name: 'shop', dbUrl: pg.url('shop'), storageUrl: `file://${path.join(machine.HOME, 'backups')}` });
  if (saved.ok) targetId = (saved.value as { id: string }).id;
});

afterAll(async () => {
  await service?.shutdown();
  await pg?.stop();
});

describe('app: restore a file from disk', () => {
  it('reviews a file (read in place, nothing downloaded) and restores it into a temporary database', async () => {
    const review = await call('restore.review', { targetId, backup: { kind: 'file', path: dump }, destination: { kind: 'temp' } });
    expect(review).toMatchObject({ ok: true, value: { backup: { key: dump, format: 'custom', hasManifest: false }, downloads: [], destination: { action: 'create-temporary' } } });
    const plan = (review as { value: RestoreReview }).value;
    expect(plan.steps[0]).toContain('where it lies, never changing or copying it');
    const job = ((await call('restore.start', { targetId, backup: { kind: 'file', path: dump }, destination: { kind: 'temp' }, plannedAt: plan.plannedAt })) as { value: JobView }).value;
    const final = await service.jobs.settled(job.id);
    expect(final).toMatchObject({ state: 'done', resultTemporary: true, resultDatabase: plan.destination.database, resultKey: dump });
    expect(await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM orders', [], final.resultDatabase!)).toEqual([{ n: '1000' }]);
  });

  it('refuses a relative path at the contract, and a file that is not a dump with one sentence', async () => {
    expect(await call('restore.review', { targetId, backup: { kind: 'file', path: 'shop.dump' }, destination: { kind: 'temp' } })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('Type the full path of the file') },
    });
    expect(await call('restore.review', { targetId, backup: { kind: 'file', path: path.join(path.dirname(dump), 'notes.txt') }, destination: { kind: 'temp' } })).toMatchObject({
      ok: false,
      error: { code: 'BAD_INPUT', message: expect.stringMatching(/notes\.txt is not a dump Lifeboat can restore/) },
    });
  });
});
