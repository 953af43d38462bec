// The app reads from a database's copies (3-2-1) when its storage cannot give a backup, as the CLI
// does, and says which copy it used: Browse, Compare, the restore wizard, partial recovery, verification,
// and the calendar's listing when the storage cannot be read at all. Real PostgreSQL 15, two
// buckets on Ceph RGW, the real pg_dump/pg_restore, the app service as the desktop app hosts it.
import { DeleteBucketCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, RestoreReview } from '../../shared/ipc-contract.js';
import type { BackupContents, BackupDiff, TableRowDiff } from '../../shared/backup-contents.js';
import { createAppService, type AppService } from '../../electron/app-service/app-service.js';
import { dispatchCall } from '../../electron/app-service/dispatch.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let pg: PgCluster;
let s3: S3Server;
let service: AppService;
let env: NodeJS.ProcessEnv;
const PRIMARY = 'app-primary';
const COPY = 'app-copy';
const targetId = 'shop';
let key = '';

const call = async (name: string, request: unknown) => dispatchCall(service, name, request);
const value = <T>(r: Awaited<ReturnType<typeof call>>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
};
const primaryShown = () => `s3://${PRIMARY}/database_backups at ${s3.endpoint}`;
const copyShown = () => `s3://${COPY}/database_backups at ${s3.endpoint}`;
/** What every surface says when it read the copy: the CLI's own sentence. */
const readFromCopy = () => `Read ${key} from the copy at ${copyShown()}, because ${primaryShown()} could not give it: There is no backup ${key} in ${primaryShown()}.`;

async function tempDatabases(): Promise<string[]> {
  return (await pg.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat\\_%' ORDER BY 1")).map((r) => r.datname);
}

beforeAll(async () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  [pg, s3, home] = await Promise.all([startCluster({ major: 15 }), startS3Server(), tempHome()]);
  await pg.createDatabase('shop');
  await pg.query(`CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 1000) g`, [], 'shop');
  await s3.createBucket(PRIMARY);
  await s3.createBucket(COPY);
  env = { ...process.env, ...home, ...s3.env };
  service = createAppService({ emit: () => undefined, shell: 'web', env });
  value(await call('targets.save', { name: targetId, dbUrl: pg.url('shop'), storageUrl: s3.storageUrl(PRIMARY), copyUrls: [s3.storageUrl(COPY)] }));
  const job = value<JobView>(await call('backup.start', { targetId }));
  const done = await service.jobs.settled(job.id);
  expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'done' });
  key = done.resultKey ?? '';
  expect(await s3.listKeys(COPY)).toContain(key);
  // The storage loses the backup (deleted by hand, a lifecycle rule, ransomware); its copy has it.
  await s3.client.send(new DeleteObjectCommand({ Bucket: PRIMARY, Key: key }));
}, 120_000);

afterAll(async () => {
  await service?.shutdown();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('the app reads a backup from its copy when the storage cannot give it, and says which', () => {
  it('Browse: contents and rows come from the copy, naming it', async () => {
    const contents = value<BackupContents>(await call('browse.show', { targetId, key }));
    expect(contents.fromCopy).toBe(readFromCopy());
    expect(contents.tables.map((t) => `${t.schema}.${t.name}:${t.rows}`)).toEqual(['public.orders:1000']);
    const peek = value<{ rows: unknown[]; fromCopy?: string }>(await call('browse.peek', { targetId, key, table: 'public.orders', limit: 3 }));
    expect(peek.rows).toHaveLength(3);
    expect(peek.fromCopy).toBe(readFromCopy());
  });

  it('restore wizard: the review names the copy, and the restore reads it and says so in its result', async () => {
    const review = value<RestoreReview>(await call('restore.review', { targetId, backup: { kind: 'key', key }, destination: { kind: 'temp' } }));
    expect(review.backup).toMatchObject({ key, storage: copyShown(), fromCopy: readFromCopy() });
    const job = value<JobView>(await call('restore.start', { targetId, backup: { kind: 'key', key }, destination: { kind: 'temp' }, plannedAt: review.plannedAt }));
    const done = await service.jobs.settled(job.id);
    expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'done', resultKey: key, resultTemporary: true, resultNote: readFromCopy() });
    const [n] = await pg.query<{ n: string }>('SELECT count(*) AS n FROM orders', [], done.resultDatabase ?? '');
    expect(n?.n).toBe('1000');
    expect(value(await call('temp.drop', { targetId, name: done.resultDatabase }))).toEqual({ dropped: true });
  });

  it('partial recovery: the tables and the temporary database come from the copy, naming it', async () => {
    const tables = value<{ key: string; tables: { name: string }[]; fromCopy?: string }>(await call('extract.tables', { targetId, backup: { kind: 'key', key } }));
    expect(tables).toMatchObject({ key, fromCopy: readFromCopy() });
    expect(tables.tables.map((t) => t.name)).toEqual(['orders']);
    const job = value<JobView>(await call('extract.prepare', { targetId, backup: { kind: 'key', key }, tables: ['public.orders'] }));
    const done = await service.jobs.settled(job.id);
    expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'done', resultTemporary: true, resultNote: readFromCopy() });
    const rows = value<{ rows: unknown[] }>(await call('extract.preview', { targetId, tempDatabase: done.resultDatabase, table: 'public.orders', where: 'id <= 5' }));
    expect(rows.rows).toHaveLength(5);
    expect(value(await call('temp.drop', { targetId, name: done.resultDatabase }))).toEqual({ dropped: true });
    expect(await tempDatabases()).toEqual([]);
  });

  it('verify: checks the copy and says it did', async () => {
    const job = value<JobView>(await call('backup.verify', { targetId, key }));
    const done = await service.jobs.settled(job.id);
    expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'done', resultKey: key, resultNote: readFromCopy() });
  });

  it('Compare: a backup the storage lost is read from the copy, against another backup (by table and row by row) and the live database, naming it', async () => {
    // A later backup, in the storage only, after a change: one row changed, one added.
    await pg.query('UPDATE orders SET total = 0 WHERE id = 7; INSERT INTO orders VALUES (1001, 2.5)', [], 'shop');
    const later = (await runBackup({ db: pg.url('shop'), to: s3.storageUrl(PRIMARY), env, now: () => new Date('2026-11-25T10:11:12Z') })).key;
    expect(await s3.listKeys(COPY)).not.toContain(later);

    const byTable = value<BackupDiff>(await call('compare.backups', { targetId, before: key, after: later }));
    expect(byTable).toMatchObject({ before: key, after: later, fromCopy: readFromCopy() });
    expect(byTable.tables).toEqual([{ schema: 'public', name: 'orders', change: 'changed', rowsBefore: 1000, rowsAfter: 1001 }]);
    const byRow = value<TableRowDiff>(await call('compare.rows', { targetId, before: key, after: later, table: 'public.orders' }));
    expect(byRow).toMatchObject({ counts: { added: 1, removed: 0, changed: 1 }, fromCopy: readFromCopy() });
    expect(byRow.changes.map((c) => [c.change, c.key]).sort()).toEqual([
      ['added', ['1001']],
      ['changed', ['7']],
    ]);

    const sinceLost = value<BackupDiff>(await call('compare.live', { targetId, key }));
    expect(sinceLost).toMatchObject({ before: key, after: 'live', fromCopy: readFromCopy() });
    expect(sinceLost.tables).toEqual([{ schema: 'public', name: 'orders', change: 'changed', rowsBefore: 1000, rowsAfter: 1001 }]);
    const liveRows = value<TableRowDiff>(await call('compare.rows', { targetId, before: key, table: 'public.orders' }));
    expect(liveRows).toMatchObject({ counts: { added: 1, removed: 0, changed: 1 }, fromCopy: readFromCopy() });

    // A backup the storage still has is read there, and nothing is said.
    const sinceKept = value<BackupDiff>(await call('compare.live', { targetId, key: later }));
    expect(sinceKept.tables).toEqual([{ schema: 'public', name: 'orders', change: 'unchanged', rowsBefore: 1001, rowsAfter: 1001 }]);
    expect(sinceKept).not.toHaveProperty('fromCopy');
    // A backup no place has: the storage's error, with what the copy said.
    const missing = 'database_backups/2025/05/15/shop_20250515_031012.dump';
    const none = await call('compare.backups', { targetId, before: missing, after: later });
    expect(none).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    if (!none.ok) expect(none.error.message).toContain(`There is no backup ${missing} in ${primaryShown()}. No copy destination had it either (There is no backup ${missing} in ${copyShown()}.).`);
  });

  it('bad input never moves on to a copy, and a backup no place has names every place', async () => {
    const outside = await call('browse.show', { targetId, key: 'elsewhere/2025/05/15/shop_20250515_031012.dump' });
    // A key outside the storage's prefix is refused as bad input, before any place is read.
    expect(outside).toMatchObject({ ok: false, error: { code: 'BAD_KEY' } });
    expect(JSON.stringify(outside)).not.toContain(COPY);
    const missing = 'database_backups/2025/05/15/shop_20250515_031012.dump';
    const none = await call('browse.show', { targetId, key: missing });
    expect(none).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    if (!none.ok) expect(none.error.message).toBe(`There is no backup ${missing} in ${primaryShown()}. No copy destination had it either (There is no backup ${missing} in ${copyShown()}.). Choose one of the backups shown on the calendar.`);
  });

  it('a damaged copy fails verification in its own words, naming the copy it read', async () => {
    // Same size, other bytes: only the SHA-256 can tell.
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: COPY, Key: key }));
    await s3.client.send(new PutObjectCommand({ Bucket: COPY, Key: key, Body: Buffer.alloc(head.ContentLength ?? 0, 0x41) }));
    const job = value<JobView>(await call('backup.verify', { targetId, key }));
    const done = await service.jobs.settled(job.id);
    expect(done).toMatchObject({ state: 'failed', error: { code: 'VERIFY_FAILED' } });
    expect(done.error?.message.endsWith(`(${readFromCopy()})`)).toBe(true);
  });

  it('the calendar lists the backups the copy holds when the storage cannot be read at all, and says so', async () => {
    // The whole bucket is gone.
    for (const k of await s3.listKeys(PRIMARY)) await s3.client.send(new DeleteObjectCommand({ Bucket: PRIMARY, Key: k }));
    await s3.client.send(new DeleteBucketCommand({ Bucket: PRIMARY }));
    const list = value<{ storage: string; backups: { key: string }[]; fromCopy?: string }>(await call('backups.list', { targetId }));
    expect(list.storage).toBe(copyShown());
    expect(list.backups.map((b) => b.key)).toEqual([key]);
    expect(list.fromCopy).toMatch(
      new RegExp(`^${escape(primaryShown())} cannot be read \\(The bucket "${PRIMARY}" at .+ does not exist; create it or check the storage URL\\), so these are the backups its copy at ${escape(copyShown())} holds; restore, partial recovery, Browse and verify read them from there, and new backups still go to ${escape(primaryShown())}\\.$`),
    );
    // And a restore chosen from that list works the same way.
    const review = value<RestoreReview>(await call('restore.review', { targetId, backup: { kind: 'latest' }, destination: { kind: 'temp' } }));
    expect(review.backup).toMatchObject({ key, storage: copyShown() });
    expect(review.backup.fromCopy).toContain(`from the copy at ${copyShown()}`);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
