// The app service (what the Electron main process and the browser harness host) against real
// PostgreSQL, a real S3 server and the real pg_dump; and its HTTP bridge as a browser uses it.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayloads, JobView, RestoreReview } from '../../shared/ipc-contract.js';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { EventHub } from '../../electron/app-service/event-sink.js';
import { startWebBridge, type WebBridge } from '../../electron/web/web-bridge-server.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';

let pg: PgCluster;
let s3: S3Server;
let proxy: StallingProxy;
let home: Awaited<ReturnType<typeof tempHome>>;
let service: AppService;
let hub: EventHub;
const events: { name: EventName; payload: unknown }[] = [];
const PASSWORD = 'Sup3r s3cret!';

beforeAll(async () => {
  [pg, s3, home] = await Promise.all([startCluster({ major: 15, password: PASSWORD }), startS3Server(), tempHome()]);
  await pg.createDatabase('shop');
  // Another database for the cancel test: two backups of one database in the same second would share a key.
  await pg.createDatabase('billing');
  await pg.query(`CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 1000) g`, [], 'shop');
  await s3.createBucket('backups');
  // A backup the seed's scripts wrote: no manifest, plain gzipped SQL.
  await s3.client.send(new PutObjectCommand({ Bucket: 'backups', Key: 'database_backups/2023/05/15/shop_20230515_031012.sql.gz', Body: 'not really gzip' }));
  // Object uploads (PUT) through this proxy never finish, except the key claim that comes first:
  // a backup dumps, then waits there until cancelled.
  proxy = await startStallingProxy(s3.endpoint, (req) => req.method === 'PUT' && !/\.claim(\?|$)/.test(req.url ?? ''));
  hub = new EventHub();
  hub.add(<E extends EventName>(name: E, payload: EventPayloads[E]) => void events.push({ name, payload }));
  service = createAppService({ emit: hub.emit, shell: 'web', env: { ...process.env, ...home, ...s3.env } });
});

afterAll(async () => {
  await service?.shutdown();
  await Promise.all([pg?.stop(), s3?.stop(), proxy?.close()]);
});

const call = async (name: string, request: unknown) => dispatchCall(service, name, request);
const dbUrlWithoutPassword = () => `postgresql://postgres@127.0.0.1:${pg.port}/shop`;

describe('app service', () => {
  let targetId = '';

  it('keeps a password pasted in the URL out of the saved profile, the config file and every answer (it goes to the keychain)', async () => {
    const r = await call('targets.save', { name: 'shop', dbUrl: `postgresql://postgres:${encodeURIComponent(PASSWORD)}@127.0.0.1:${pg.port}/shop`, storageUrl: s3.storageUrl('backups') });
    expect(r).toMatchObject({ ok: true, value: { name: 'shop', dbUrl: dbUrlWithoutPassword(), hasPassword: true } });
    if (r.ok) targetId = (r.value as { id: string }).id;
    // The app's databases are the CLI's profiles: one config file, the secret in the keychain.
    const file = await readFile(path.join(home.LIFEBOAT_HOME, 'config.json'), 'utf8');
    expect(file).toContain(dbUrlWithoutPassword());
    expect(file).toContain('"passwordInKeychain": true');
    expect(file).not.toContain('s3cret');
    const cli = await runCli(['profile', 'list', '--json'], { ...home });
    expect(cli.stdout).toContain('"shop"');
    expect(JSON.stringify(await call('targets.list', {}))).not.toContain('s3cret');
    expect(JSON.stringify(events)).not.toContain('s3cret');
  });

  it('keeps S3 keys typed in the app in the keychain only, and uses them for that storage', async () => {
    const keys = { accessKeyId: 'UI-KEY-ID', secretAccessKey: 'ui-s3-secret-value' };
    const r = await call('targets.save', { name: 'keyed', dbUrl: dbUrlWithoutPassword(), storageUrl: s3.storageUrl('backups'), s3Credentials: keys });
    expect(r).toMatchObject({ ok: true, value: { name: 'keyed', hasS3Credentials: true } });
    expect(JSON.stringify(r)).not.toContain(keys.secretAccessKey);
    const file = await readFile(path.join(home.LIFEBOAT_HOME, 'config.json'), 'utf8');
    expect(file).not.toContain(keys.secretAccessKey);
    expect(file).not.toContain(keys.accessKeyId);
    expect((await service.targets.get('keyed')).storage).toMatchObject({ kind: 's3', credentials: keys });
    expect(JSON.stringify(await call('targets.list', {}))).not.toContain(keys.secretAccessKey);
    expect(JSON.stringify(events)).not.toContain(keys.secretAccessKey);
    const half = await call('targets.save', { id: 'keyed', name: 'keyed', dbUrl: dbUrlWithoutPassword(), storageUrl: s3.storageUrl('backups'), s3Credentials: { accessKeyId: 'x' } });
    expect(half).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await call('targets.remove', { id: 'keyed' })).toMatchObject({ ok: true, value: { removed: true } });
  });

  it('tests the connection: server version and the pg_dump a backup will use', async () => {
    const r = await call('connection.test', { dbUrl: dbUrlWithoutPassword(), targetId });
    expect(r).toMatchObject({ ok: true, value: { serverVersion: expect.stringMatching(/^15\./), database: 'shop', pgDump: { version: expect.stringMatching(/^15\./), path: expect.stringContaining('pg_dump') }, pgDumpProblem: null } });
  });

  it('says plainly when the password is wrong, without echoing it', async () => {
    const r = await call('connection.test', { dbUrl: dbUrlWithoutPassword(), password: 'wrong-password' });
    expect(r).toMatchObject({ ok: false, error: { code: 'PG_AUTH_FAILED' } });
    expect(JSON.stringify(r)).not.toContain('wrong-password');
  });

  it('tests storage and counts the backups already there', async () => {
    expect(await call('storage.test', { storageUrl: s3.storageUrl('backups') })).toMatchObject({ ok: true, value: { backupCount: 1 } });
    expect(await call('storage.test', { storageUrl: s3.storageUrl('no-such-bucket') })).toMatchObject({ ok: false, error: { code: 'STORAGE_BUCKET_MISSING' } });
  });

  it('backs up as a job: started, progress, exactly one done; the calendar listing shows it beside the seed’s backup', async () => {
    events.length = 0;
    const started = await call('backup.start', { targetId, label: 'before migration 42', pin: true });
    expect(started).toMatchObject({ ok: true, value: { state: 'running', kind: 'backup' } });
    const job = (started as { value: JobView }).value;
    const final = await service.jobs.settled(job.id);
    expect(final).toMatchObject({ state: 'done', resultKey: expect.stringMatching(/^database_backups\/\d{4}\/\d{2}\/\d{2}\/shop_\d{8}_\d{6}\.dump$/) });
    const mine = events.filter((e) => (e.payload as { id?: string; jobId?: string }).id === job.id || (e.payload as { jobId?: string }).jobId === job.id);
    expect(mine[0]?.name).toBe('job.started');
    expect(mine.filter((e) => e.name === 'job.progress').length).toBeGreaterThan(0);
    expect(mine.filter((e) => e.name === 'job.finished')).toHaveLength(1);
    expect(events.some((e) => e.name === 'backups.changed')).toBe(true);

    const list = await call('backups.list', { targetId });
    expect(list.ok).toBe(true);
    const backups = (list as { value: { backups: { key: string; label: string | null; pinned: boolean; hasManifest: boolean }[] } }).value.backups;
    expect(backups).toEqual([
      expect.objectContaining({ key: final.resultKey, label: 'before migration 42', pinned: true, hasManifest: true }),
      expect.objectContaining({ key: 'database_backups/2023/05/15/shop_20230515_031012.sql.gz', hasManifest: false }),
    ]);
    expect(await call('jobs.list', {})).toMatchObject({ ok: true, value: { running: [], recent: [expect.objectContaining({ id: job.id, state: 'done' })] } });
  });

  it('cancels a backup stuck mid-upload: cancelled, and nothing left in the bucket', async () => {
    const before = await s3.listKeys('backups');
    const slow = await call('targets.save', { name: 'billing-slow-link', dbUrl: dbUrlWithoutPassword().replace(/\/shop$/, '/billing'), password: PASSWORD, storageUrl: `s3://backups?endpoint=${encodeURIComponent(proxy.endpoint)}` });
    const slowId = (slow as { value: { id: string } }).value.id;
    const job = ((await call('backup.start', { targetId: slowId })) as { value: JobView }).value;
    const settled = service.jobs.settled(job.id);
    let ended: JobView | null = null;
    void settled.then((j) => (ended = j));
    while (proxy.held() === 0 && ended === null) await new Promise((r) => setTimeout(r, 20));
    expect(ended, JSON.stringify(ended)).toBeNull(); // still running, held mid-upload (not failed before it)
    expect(service.jobs.list().running.map((j) => j.id)).toEqual([job.id]);
    expect(await call('jobs.cancel', { jobId: job.id })).toEqual({ ok: true, value: { cancelled: true } });
    expect(await service.jobs.settled(job.id)).toMatchObject({ state: 'cancelled', error: null });
    expect(await s3.listKeys('backups')).toEqual(before);
  });

  it('rejects malformed requests before they reach the engine', async () => {
    expect(await call('backup.start', { targetId, format: 'tar' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await call('backup.start', { targetId: 'nope' })).toMatchObject({ ok: false, error: { code: 'PROFILE_NOT_FOUND', message: expect.stringContaining('There is no profile named "nope"') } });
  });
});

describe('browser harness bridge', () => {
  let bridge: WebBridge;
  const token = 'a'.repeat(48);

  beforeAll(async () => {
    bridge = await startWebBridge({ call: (name, request) => dispatchCall(service, name, request), hub, rendererDir: path.resolve(import.meta.dirname, '../../dist/renderer'), token });
  });
  afterAll(async () => bridge?.close());

  const post = (name: string, body: unknown, t = token) =>
    fetch(`http://127.0.0.1:${bridge.port}/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lifeboat-token': t }, body: JSON.stringify(body) });

  it('answers calls with the token and refuses them without it', async () => {
    expect(await (await post('app.info', {})).json()).toMatchObject({ ok: true, value: { shell: 'web' } });
    const refused = await post('app.info', {}, 'b'.repeat(48));
    expect(refused.status).toBe(401);
    expect(await (await post('targets.remove', { id: 5 })).json()).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('refuses host names other than loopback (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: bridge.port, path: '/api/call/app.info', method: 'POST', headers: { host: 'evil.example:80', 'content-type': 'application/json', 'x-lifeboat-token': token } }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('streams events over SSE only with the token', async () => {
    expect((await fetch(`http://127.0.0.1:${bridge.port}/api/events?token=wrong`)).status).toBe(401);
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${bridge.port}/api/events?token=${token}`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    await reader.read(); // ": connected"
    await post('targets.save', { name: 'sse-check', dbUrl: dbUrlWithoutPassword(), storageUrl: '' });
    let text = '';
    while (!text.includes('targets.changed')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/^data: \{"name":"targets.changed"/m);
    controller.abort();
  });
});

describe('restore and partial recovery through the app service', () => {
  const tempDbs: string[] = [];
  let targetId = '';

  beforeAll(async () => {
    const r = await call('targets.save', { name: 'shop-restore', dbUrl: dbUrlWithoutPassword(), password: PASSWORD, storageUrl: s3.storageUrl('backups') });
    targetId = (r as { value: { id: string } }).value.id;
  });

  it('reviews, then restores the latest backup into a temporary database, and drops it', async () => {
    const review = await call('restore.review', { targetId, backup: { kind: 'latest' }, destination: { kind: 'temp' } });
    expect(review).toMatchObject({
      ok: true,
      value: { backup: { hasManifest: true }, destination: { action: 'create-temporary', database: expect.stringMatching(/^lifeboat_shop_\d{8}_\d{6}$/), server: `127.0.0.1:${pg.port}` }, destructive: false },
    });
    const plan = (review as { value: RestoreReview }).value;
    expect(plan.warnings.join(' ')).toContain('same server as the source');
    expect(plan.downloads).toEqual([{ key: plan.backup.key, bytes: plan.backup.sizeBytes }]);
    // Started from the review (as the wizard does): the database created is the one the review named.
    const job = ((await call('restore.start', { targetId, backup: { kind: 'key', key: plan.backup.key }, destination: { kind: 'temp' }, plannedAt: plan.plannedAt })) as { value: JobView }).value;
    const final = await service.jobs.settled(job.id);
    expect(final).toMatchObject({ state: 'done', kind: 'restore', resultTemporary: true, resultDatabase: plan.destination.database });
    expect(final.resultUrl).not.toContain('s3cret');
    const db = final.resultDatabase!;
    tempDbs.push(db);
    expect(await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM orders', [], db)).toEqual([{ n: '1000' }]);
    expect(await call('temp.drop', { targetId, name: db })).toEqual({ ok: true, value: { dropped: true } });
    expect(await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).toEqual([]);
    // Only Lifeboat's own temporary databases can be dropped this way.
    expect(await call('temp.drop', { targetId, name: 'shop' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });

  it('verifies backups as jobs, and the calendar listing shows the outcome', async () => {
    const listing = async () => ((await call('backups.list', { targetId })) as { value: { backups: { key: string; verification?: { outcome: string; problem: string | null } | null }[] } }).value.backups;
    const all = await listing(); // newest first
    const newest = all.find((b) => b.key.endsWith('.dump'));
    const seed = all.find((b) => b.key.endsWith('20230515_031012.sql.gz'));
    const ok = ((await call('backup.verify', { targetId, key: newest!.key })) as { value: JobView }).value;
    expect(await service.jobs.settled(ok.id)).toMatchObject({ state: 'done', kind: 'verify', resultKey: newest!.key });
    // The seed-layout object is not gzip at all: the verification fails and says why.
    const bad = ((await call('backup.verify', { targetId, key: seed!.key })) as { value: JobView }).value;
    expect(await service.jobs.settled(bad.id)).toMatchObject({ state: 'failed', error: { message: expect.stringMatching(/\S/) } });
    const after = await listing();
    expect(after.find((b) => b.key === newest!.key)?.verification).toMatchObject({ outcome: 'passed' });
    expect(after.find((b) => b.key === seed!.key)?.verification).toMatchObject({ outcome: 'failed' });
  });

  it('pins and unpins an existing backup in its manifest; a backup without manifest cannot be pinned', async () => {
    const all = ((await call('backups.list', { targetId })) as { value: { backups: { key: string; pinned: boolean }[] } }).value.backups;
    const key = all.find((b) => b.key.endsWith('.dump') && !b.pinned)?.key ?? all.find((b) => b.key.endsWith('.dump'))!.key;
    expect(await call('backup.pin', { targetId, key, pinned: true })).toEqual({ ok: true, value: { key, pinned: true } });
    const manifest = JSON.parse(await (await s3.client.send(new GetObjectCommand({ Bucket: 'backups', Key: `${key}.manifest.json` }))).Body!.transformToString()) as { pinned: boolean };
    expect(manifest.pinned).toBe(true);
    const listed = ((await call('backups.list', { targetId })) as { value: { backups: { key: string; pinned: boolean }[] } }).value.backups;
    expect(listed.find((b) => b.key === key)?.pinned).toBe(true);
    expect(await call('backup.pin', { targetId, key, pinned: false })).toEqual({ ok: true, value: { key, pinned: false } });
    expect(await call('backup.pin', { targetId, key: 'database_backups/2023/05/15/shop_20230515_031012.sql.gz', pinned: true })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringContaining('has no manifest') } });
  });

  it('refuses to replace a database unless its name is typed', async () => {
    await pg.createDatabase('shop_copy');
    await pg.query('CREATE TABLE keepme (id int)', [], 'shop_copy');
    const destination = { kind: 'database', dbUrl: `postgresql://postgres@127.0.0.1:${pg.port}/shop_copy`, password: PASSWORD, mode: 'clean' };
    const review = await call('restore.review', { targetId, backup: { kind: 'latest' }, destination });
    expect(review).toMatchObject({ ok: true, value: { destructive: true, confirmName: 'shop_copy', destination: { exists: true, objectCount: 1 } } });
    expect(await call('restore.start', { targetId, backup: { kind: 'latest' }, destination, confirmName: 'shop' })).toMatchObject({ ok: false, error: { message: 'Type the database name "shop_copy" to confirm that its contents will be replaced.' } });
    expect(await pg.query('SELECT count(*)::int AS n FROM keepme', [], 'shop_copy')).toEqual([{ n: 0 }]);
  });

  it('refuses template databases and postgres as targets, with the engine\'s error, before any step', async () => {
    for (const [db, mode] of [['template1', 'clean'], ['postgres', 'clean'], ['template0', 'create']] as const) {
      const destination = { kind: 'database', dbUrl: `postgresql://postgres@127.0.0.1:${pg.port}/${db}`, password: PASSWORD, mode };
      expect(await call('restore.review', { targetId, backup: { kind: 'latest' }, destination })).toMatchObject({ ok: false, error: { code: 'SYSTEM_DATABASE', hint: { kind: 'not-a-system-database' }, message: expect.stringMatching(/does not restore into it; .*Choose another database name, or a temporary database\.$/) as unknown } });
      expect(await call('restore.start', { targetId, backup: { kind: 'latest' }, destination, confirmName: db })).toMatchObject({ ok: false, error: { code: 'SYSTEM_DATABASE' } });
    }
  });

  it('lists the tables of a custom archive another tool wrote (no manifest) from its own table of contents', async () => {
    const archive = execFileSync('pg_dump', ['-Fc', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', 'shop'], { env: { ...process.env, PGPASSWORD: PASSWORD }, maxBuffer: 64 * 1024 * 1024 });
    const key = 'database_backups/2023/06/01/shop_20230601_000000.dump';
    await s3.client.send(new PutObjectCommand({ Bucket: 'backups', Key: key, Body: archive }));
    const tables = await call('extract.tables', { targetId, backup: { kind: 'key', key } });
    expect(tables).toMatchObject({ ok: true, value: { key, tables: [{ schema: 'public', name: 'orders' }] } });
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'backups', Key: key }));
  });

  it('extracts rows: tables from the manifest, a temporary database, a filtered preview, exports, a copy with counts', async () => {
    const tables = await call('extract.tables', { targetId, backup: { kind: 'latest' } });
    expect(tables).toMatchObject({ ok: true, value: { tables: [{ schema: 'public', name: 'orders', rows: 1000 }] } });
    const job = ((await call('extract.prepare', { targetId, backup: { kind: 'latest' }, tables: ['public.orders'] })) as { value: JobView }).value;
    const final = await service.jobs.settled(job.id);
    expect(final).toMatchObject({ state: 'done', kind: 'extract', resultTemporary: true });
    const tempDatabase = final.resultDatabase!;
    tempDbs.push(tempDatabase);
    const sel = { targetId, tempDatabase, table: 'public.orders', where: 'id <= 3' };
    expect(await call('extract.preview', { ...sel, limit: 2 })).toEqual({ ok: true, value: { columns: [{ name: 'id', type: 'integer' }, { name: 'total', type: 'numeric' }], rows: [['1', '1.5'], ['2', '3.0']], truncated: true } });
    const csv = await call('extract.export', { ...sel, format: 'csv' });
    expect(csv).toEqual({ ok: true, value: { filename: 'public.orders.csv', mimeType: 'text/csv', content: '"id","total"\r\n"1","1.5"\r\n"2","3.0"\r\n"3","4.5"\r\n', rowCount: 3 } });
    expect(await call('extract.preview', { ...sel, where: 'id = ; DROP TABLE orders' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringContaining('The filter does not work') } });
    // Rows 1–3 were "deleted by mistake" in production; copy them back: 2 inserted, 1 already there.
    await pg.query('DELETE FROM orders WHERE id IN (1, 2)', [], 'shop');
    expect(await call('extract.copy', { ...sel, intoDbUrl: dbUrlWithoutPassword(), password: PASSWORD })).toEqual({ ok: true, value: { database: 'shop', inserted: 2, skipped: 1 } });
    expect(await pg.query('SELECT count(*)::int AS n FROM orders', [], 'shop')).toEqual([{ n: 1000 }]);
    // Reading is allowed only in Lifeboat's own temporary databases.
    expect(await call('extract.preview', { ...sel, tempDatabase: 'shop' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringContaining('is not a temporary database Lifeboat made') } });
    expect(await call('temp.drop', { targetId, name: tempDatabase })).toEqual({ ok: true, value: { dropped: true } });
  });
});
