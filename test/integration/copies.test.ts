// Copies in several places (the 3-2-1 rule) against real servers: two buckets on Ceph RGW, a local
// folder, and a "third endpoint" (a proxy in front of RGW) that fails mid-upload. Every copy is
// checked against the manifest; a failed one is reported (exit 3, JSON) and leaves nothing under a
// real key; restore falls back to a copy when the primary is gone and says which it used;
// retention runs in each place on its own listing; copy keys live only in the keychain.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copiesRecordSchema } from '../../shared/copies.js';
import { runCli } from '../support/cli.js';
import { startFaultyProxy, type FaultyProxy } from '../support/faulty-proxy.js';
import { seedRealisticDatabase } from '../support/fixtures.js';
import { freshMachine, readKeychainEntry, type TestEnv } from '../support/keychain.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startWebhookReceiver, waitFor, type WebhookReceiver } from '../support/webhook-receiver.js';

let pg: PgCluster;
let s3: S3Server;
let machine: TestEnv;
let env: NodeJS.ProcessEnv;
let proxy: FaultyProxy;
/** An endpoint that refuses every request (403 AccessDenied): a storage that cannot be read at all. */
let refusing: FaultyProxy;
let hook: WebhookReceiver;
let folder: string;

const BUCKETS = ['first', 'second', 'third', 'keyed-first', 'keyed-second', 'aged-first', 'aged-second', 'browse-first', 'browse-second'];

async function text(bucket: string, key: string): Promise<string> {
  const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (r.Body as { transformToString(): Promise<string> }).transformToString();
}

interface BackupJson {
  key: string;
  sha256: string;
  size: number;
  copies?: { storage: string; status: 'copied' | 'failed'; error: { code: string; message: string } | null }[];
  partlyCopied?: boolean;
}

async function listFolder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(path.relative(dir, path.join(d, e.name)));
    }
  };
  await walk(dir);
  return out.sort();
}

beforeAll(async () => {
  [pg, s3, machine, hook] = await Promise.all([startCluster({ major: 15 }), startS3Server(), freshMachine(), startWebhookReceiver()]);
  env = { ...machine, ...s3.env };
  folder = path.join(machine.HOME, 'usb-disk');
  await pg.createDatabase('shop');
  await seedRealisticDatabase(pg, 'shop', { rows: 5000 });
  for (const b of BUCKETS) await s3.createBucket(b);
  // "Another endpoint" whose object uploads fail (the claim and small sidecars pass): a copy that
  // dies mid-upload, after it has claimed the key.
  proxy = await startFaultyProxy(s3.endpoint, (req) => req.method === 'PUT' && /\.dump(\?|$)/.test(req.url ?? ''));
  refusing = await startFaultyProxy(s3.endpoint, () => true, { status: 403, code: 'AccessDenied' });
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await refusing?.close();
  await hook?.close();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('lifeboat backup --copy-to', () => {
  it('copies to another bucket and a local folder with the same keys, checked, and list counts the copies', async () => {
    const r = await runCli(['backup', '--db', pg.url('shop'), '--to', s3.storageUrl('first'), '--copy-to', s3.storageUrl('second'), '--copy-to', `file://${folder}`, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as BackupJson;
    expect(out.partlyCopied).toBe(false);
    expect(out.copies?.map((c) => [c.status, c.error])).toEqual([['copied', null], ['copied', null]]);

    const first = await s3.listKeys('first');
    // Every sidecar travels with the backup, the server's globals too.
    expect(first).toEqual([out.key, `${out.key}.copies.json`, `${out.key}.globals.sql`, `${out.key}.index.json`, `${out.key}.manifest.json`].sort());
    expect(await s3.listKeys('second')).toEqual(first);
    expect(await listFolder(folder)).toEqual(first);
    // The same manifest, byte for byte, in every place: the copy is the same backup.
    const manifest = await text('first', `${out.key}.manifest.json`);
    expect(await text('second', `${out.key}.manifest.json`)).toBe(manifest);
    expect(await readFile(path.join(folder, `${out.key}.manifest.json`), 'utf8')).toBe(manifest);
    expect(await readFile(path.join(folder, out.key))).toEqual(Buffer.from(await (await s3.client.send(new GetObjectCommand({ Bucket: 'second', Key: out.key }))).Body!.transformToByteArray()));
    const record = copiesRecordSchema.parse(JSON.parse(await text('second', `${out.key}.copies.json`)));
    expect(record.copies.map((c) => c.status)).toEqual(['copied', 'copied']);
    expect(await s3.listMultipartUploads('second')).toEqual([]);

    for (const where of [s3.storageUrl('first'), s3.storageUrl('second'), `file://${folder}`]) {
      const list = await runCli(['list', '--to', where, '--json'], env);
      expect(list.code).toBe(0);
      expect((JSON.parse(list.stdout) as { key: string; copies: number; copiesFailed: string[] }[]).find((e) => e.key === out.key)).toMatchObject({ copies: 3, copiesFailed: [] });
    }
    const table = await runCli(['list', '--to', s3.storageUrl('first')], env);
    expect(table.stdout).toMatch(/COPIES/);
    expect(table.stdout).toContain('3 copies');
  });

  it('reports a copy that fails mid-upload as partly copied (exit 3), leaves nothing there, and completes the others', async () => {
    const third = `s3://third?endpoint=${encodeURIComponent(proxy.endpoint)}`;
    const failedBefore = proxy.failedRequests;
    const r = await runCli(['backup', '--db', pg.url('shop'), '--to', s3.storageUrl('first'), '--copy-to', third, '--copy-to', s3.storageUrl('second'), '--json'], env);
    expect(r.code, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout) as BackupJson;
    expect(out.partlyCopied).toBe(true);
    expect(out.copies?.[0]).toMatchObject({ status: 'failed', error: { code: expect.stringMatching(/^STORAGE_/) as unknown } });
    expect(out.copies?.[0]?.storage).toContain('s3://third/');
    expect(out.copies?.[1]).toMatchObject({ status: 'copied', error: null });
    expect(proxy.failedRequests).toBeGreaterThan(failedBefore);
    expect(r.stderr).toMatch(/^lifeboat: Partly copied: 2 of 3 places hold the backup; the copy to s3:\/\/third\/database_backups at http:\/\/127\.0\.0\.1:\d+ failed \(.+\)\.\n$/);

    // Nothing under a real key at the failed destination: no object, no sidecar, no claim, no upload.
    expect(await s3.listKeys('third')).toEqual([]);
    expect(await s3.listMultipartUploads('third')).toEqual([]);
    // The other copy is complete and checked; the primary's record names the failure.
    expect(await s3.listKeys('second')).toContain(`${out.key}.manifest.json`);
    const record = copiesRecordSchema.parse(JSON.parse(await text('first', `${out.key}.copies.json`)));
    expect(record.copies.map((c) => c.status)).toEqual(['failed', 'copied']);
    const list = await runCli(['list', '--to', s3.storageUrl('first')], env);
    expect(list.stdout.split('\n').find((l) => l.startsWith(out.key))).toContain('2 copies (partly copied)');
    // Verify of the copy, by itself, passes: it is a whole backup.
    const verify = await runCli(['verify', '--to', s3.storageUrl('second'), '--key', out.key], env);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('refuses bad copy destinations in one sentence, before dumping anything', async () => {
    const before = await s3.listKeys('first');
    for (const [url, message] of [
      ['ftp://nowhere/x', /^lifeboat: Storage URL "ftp:\/\/nowhere\/x" has an unsupported scheme "ftp"; use s3:\/\/bucket\[\/prefix\] or file:\/\/\/absolute\/folder\.\n$/],
      [s3.storageUrl('first'), /^lifeboat: The copy destination s3:\/\/first\/database_backups at .+ is the backup's own storage; name another bucket, endpoint or folder for each copy\.\n$/],
      [s3.storageUrl('second', 'elsewhere'), /^lifeboat: The copy destination .+ uses the prefix "elsewhere", but backups keep the same keys in every place and this storage uses "database_backups"; give the copy the same prefix\.\n$/],
    ] as const) {
      const r = await runCli(['backup', '--db', pg.url('shop'), '--to', s3.storageUrl('first'), '--copy-to', url], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(await s3.listKeys('first')).toEqual(before);
  });
});

describe('profiles with copies', () => {
  it('keeps copy keys in the keychain under their endpoint, backs up to both, and restores from the copy when the primary is gone', async () => {
    const keyed = { ...machine, LIFEBOAT_KEYCHAIN_SERVICE: `${machine.LIFEBOAT_KEYCHAIN_SERVICE}-keyed` };
    const secret = s3.secretAccessKey;
    // No AWS variables: the only way to reach either bucket is the keys in the keychain.
    const add = await runCli(
      ['profile', 'add', 'shop', '--db', pg.url('shop'), '--to', s3.storageUrl('keyed-first'), '--s3-access-key-id', s3.accessKeyId, '--s3-secret-stdin', '--copy-to', s3.storageUrl('keyed-second'), '--copy-s3-access-key-id', s3.accessKeyId, '--copy-s3-secret-stdin'],
      keyed,
      `${secret}\n${secret}\n`,
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(`copies:      ${s3.storageUrl('keyed-second')} (S3 keys in the keychain)`);
    const scope = new URL(s3.endpoint).origin.toLowerCase();
    expect(await readKeychainEntry(keyed as TestEnv, `profile/shop/copy/${scope}/s3-secret-access-key`)).toBe(secret);
    const config = await readFile(path.join(keyed.LIFEBOAT_HOME, 'config.json'), 'utf8');
    expect(config).not.toContain(secret);
    expect(JSON.parse(config)).toMatchObject({ profiles: [{ copies: [{ url: s3.storageUrl('keyed-second'), credentialsInKeychain: true }] }] });

    const b = await runCli(['backup', '--profile', 'shop', '--json'], keyed);
    expect(b.code, b.stderr).toBe(0);
    const out = JSON.parse(b.stdout) as BackupJson;
    expect(out.copies?.map((c) => c.status)).toEqual(['copied']);
    for (const file of [path.join(keyed.LIFEBOAT_HOME, 'config.json'), ...(await listFolder(keyed.LIFEBOAT_HOME)).map((f) => path.join(keyed.LIFEBOAT_HOME, f))]) {
      expect(await readFile(file, 'utf8')).not.toContain(secret);
    }
    expect(b.stdout + b.stderr).not.toContain(secret);

    // The primary loses the backup (deleted by hand, a bucket policy, a ransomware clean-up).
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'keyed-first', Key: out.key }));
    await pg.query('DROP DATABASE IF EXISTS shop_back');
    const restore = await runCli(['restore', '--profile', 'shop', '--key', out.key, '--target', pg.url('shop_back'), '--create'], keyed);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stderr).toContain(`lifeboat: Read ${out.key} from the copy at s3://keyed-second/database_backups at ${s3.endpoint}, because s3://keyed-first/database_backups at ${s3.endpoint} could not give it: There is no backup ${out.key}`);
    const [orig] = await pg.query<{ n: string }>('SELECT count(*) AS n FROM sales.orders', [], 'shop');
    const [back] = await pg.query<{ n: string }>('SELECT count(*) AS n FROM sales.orders', [], 'shop_back');
    expect(back?.n).toBe(orig?.n);
    const verify = await runCli(['verify', '--profile', 'shop', '--key', out.key], keyed);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toContain('from the copy at s3://keyed-second/');

    // Changing the copy's endpoint never carries its keys along: the new one has none.
    const moved = await runCli(['profile', 'edit', 'shop', '--copy-to', `s3://keyed-second?endpoint=${encodeURIComponent('http://127.0.0.2:1')}`, '--json'], keyed);
    expect(moved.code, moved.stderr).toBe(0);
    expect(JSON.parse(moved.stdout)).toMatchObject({ copies: [{ credentialsInKeychain: false }] });
    expect(await readKeychainEntry(keyed as TestEnv, `profile/shop/copy/${scope}/s3-secret-access-key`)).toBeNull();

    // A bad URL on edit changes nothing.
    const before = await readFile(path.join(keyed.LIFEBOAT_HOME, 'config.json'), 'utf8');
    const bad = await runCli(['profile', 'edit', 'shop', '--copy-to', 's3://Not_A_Bucket'], keyed);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(await readFile(path.join(keyed.LIFEBOAT_HOME, 'config.json'), 'utf8')).toBe(before);
    expect((await runCli(['profile', 'remove', 'shop'], keyed)).code).toBe(0);
  });

  it('a scheduled backup that is only partly copied raises a failure notification naming the copy that failed', async () => {
    const home = { ...(await freshMachine()), ...s3.env, LB_HOOK_URL: `${hook.url}/partly` };
    const third = `s3://third/scheduled?endpoint=${encodeURIComponent(proxy.endpoint)}`;
    const add = await runCli(['profile', 'add', 'partly', '--db', pg.url('shop'), '--to', s3.storageUrl('first', 'scheduled'), '--copy-to', third, '--copy-to', s3.storageUrl('second', 'scheduled')], home);
    expect(add.code, add.stderr).toBe(0);
    expect((await runCli(['scheduler', 'add', 'nightly', '--profile', 'partly', '--daily', '03:00', '--retries', '0', '--no-prune', '--verify-every-days', '0'], home)).code).toBe(0);
    // Subscribed to failures only: a partly copied backup must reach it.
    expect((await runCli(['notify', 'add-webhook', 'ops', '--url-env', 'LB_HOOK_URL', '--on', 'failure'], home)).code).toBe(0);

    const run = await runCli(['scheduler', 'run-now', 'nightly'], home);
    // As `lifeboat backup`: stored, but not everywhere: exit 3 and one line saying which copy failed.
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/^lifeboat: Partly copied: 2 of 3 places hold the backup; the copy to s3:\/\/third\/scheduled at http:\/\/127\.0\.0\.1:\d+ failed \(.+\)\.\n$/);
    expect(run.stdout).toMatch(/nightly: success scheduled\/\S+ — Partly copied: /);
    const post = await waitFor('the partly copied notification', () => hook.received.find((r) => r.path === '/partly'));
    const body = JSON.parse(post.body) as { event: string; title: string; text: string; details: Record<string, unknown> };
    expect(body).toMatchObject({ event: 'failure', title: 'Backup partly copied: nightly', details: { partlyCopied: true } });
    expect(body.details.failedCopies).toMatch(/^s3:\/\/third\/scheduled at http:\/\/127\.0\.0\.1:\d+$/);
    expect(body.text).toContain('the copy to s3://third/scheduled');
    // The copies that worked hold it; the failed one holds nothing under a real key.
    const key = /success (scheduled\/\S+\.dump)/.exec(run.stdout)?.[1] ?? '';
    expect(await s3.listKeys('second')).toContain(`${key}.manifest.json`);
    expect((await s3.listKeys('third')).filter((k) => k.startsWith('scheduled/'))).toEqual([]);
    expect(await s3.listMultipartUploads('third')).toEqual([]);
  });

  it('runs retention in every destination on its own listing, keeping what it cannot read', async () => {
    const aged = { ...env, LIFEBOAT_KEYCHAIN_SERVICE: `${machine.LIFEBOAT_KEYCHAIN_SERVICE}-aged` };
    const add = await runCli(['profile', 'add', 'aged', '--db', pg.url('shop'), '--to', s3.storageUrl('aged-first'), '--copy-to', s3.storageUrl('aged-second')], aged);
    expect(add.code, add.stderr).toBe(0);
    const keys: string[] = [];
    for (const at of ['2026-01-01T03:00:00Z', '2026-01-02T03:00:00Z', '2026-01-03T03:00:00Z']) {
      const r = await runCli(['backup', '--profile', 'aged', '--json'], { ...aged, LIFEBOAT_TEST_NOW: at });
      expect(r.code, r.stderr).toBe(0);
      keys.push((JSON.parse(r.stdout) as BackupJson).key);
    }
    // At the copy, the oldest backup's manifest is damaged: retention there must keep it.
    await s3.client.send(new PutObjectCommand({ Bucket: 'aged-second', Key: `${keys[0]}.manifest.json`, Body: '{ not json' }));
    const prune = await runCli(['prune', '--profile', 'aged', '--keep-days', '1', '--keep-last', '1', '--json'], { ...aged, LIFEBOAT_TEST_NOW: '2026-02-01T00:00:00Z' });
    expect(prune.code, prune.stderr).toBe(0);
    const results = JSON.parse(prune.stdout) as { storage: string; plan: { delete: number } }[];
    expect(results.map((x) => [x.storage.split(' ')[0], x.plan.delete])).toEqual([
      ['s3://aged-first/database_backups', 2],
      ['s3://aged-second/database_backups', 1],
    ]);
    const newest = keys[2] ?? '';
    const objects = (listed: string[]): string[] => listed.filter((k) => k.endsWith('.dump'));
    expect(objects(await s3.listKeys('aged-first'))).toEqual([newest]);
    expect(objects(await s3.listKeys('aged-second'))).toEqual([keys[0], newest]);
    // Sidecars went with their backups (the copies record too).
    expect(await s3.listKeys('aged-first')).toEqual([newest, `${newest}.copies.json`, `${newest}.globals.sql`, `${newest}.index.json`, `${newest}.manifest.json`]);
  });
});

describe('show, peek and diff with --profile read the copy when the storage cannot give the backup', () => {
  let home: NodeJS.ProcessEnv;
  let key = '';
  let laterKey = '';
  const primary = () => `s3://browse-first/database_backups at ${s3.endpoint}`;
  const copy = () => `s3://browse-second/database_backups at ${s3.endpoint}`;
  const peekJson = (stdout: string) => JSON.parse(stdout) as { key: string; columns: string[]; rows: Record<string, string | null>[]; truncated: boolean; via: string; fromCopy?: string };

  beforeAll(async () => {
    home = { ...env, LIFEBOAT_KEYCHAIN_SERVICE: `${machine.LIFEBOAT_KEYCHAIN_SERVICE}-browse` };
    const add = await runCli(['profile', 'add', 'browse', '--db', pg.url('shop'), '--to', s3.storageUrl('browse-first'), '--copy-to', s3.storageUrl('browse-second')], home);
    expect(add.code, add.stderr).toBe(0);
    // The same storage seen through an endpoint that refuses everything, with the same copy.
    const down = `s3://browse-first?endpoint=${encodeURIComponent(refusing.endpoint)}`;
    const addDown = await runCli(['profile', 'add', 'browse-down', '--db', pg.url('shop'), '--to', down, '--copy-to', s3.storageUrl('browse-second')], home);
    expect(addDown.code, addDown.stderr).toBe(0);
    const b = await runCli(['backup', '--profile', 'browse', '--json'], { ...home, LIFEBOAT_TEST_NOW: '2026-03-01T03:00:00Z' });
    expect(b.code, b.stderr).toBe(0);
    key = (JSON.parse(b.stdout) as BackupJson).key;
    expect(await s3.listKeys('browse-second')).toContain(key);
    // A later one, for diff, after one order changed.
    await pg.query('UPDATE sales.orders SET note = NULL WHERE id = 7', [], 'shop');
    const later = await runCli(['backup', '--profile', 'browse', '--json'], { ...home, LIFEBOAT_TEST_NOW: '2026-03-02T03:00:00Z' });
    expect(later.code, later.stderr).toBe(0);
    laterKey = (JSON.parse(later.stdout) as BackupJson).key;
  });

  it('reads the storage while it has the backup, and bad input there never moves on to a copy', async () => {
    const shown = await runCli(['show', '--profile', 'browse', '--key', key, '--json'], home);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).not.toHaveProperty('fromCopy');

    // A table the backup lacks is the storage's answer: one sentence, no copy tried or named.
    const wrongTable = await runCli(['peek', '--profile', 'browse', '--key', key, '--table', 'sales.no_such_table'], home);
    expect(wrongTable.code).toBe(1);
    expect(wrongTable.stdout).toBe('');
    expect(wrongTable.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrongTable.stderr).toContain(`lifeboat: Backup ${key} has no table "sales.no_such_table".`);
    expect(wrongTable.stderr).not.toContain('browse-second');
    // So is a key outside the storage's prefix, refused before any place is read.
    const outside = await runCli(['show', '--profile', 'browse', '--key', 'elsewhere/2026/03/01/shop_20260301_030000.dump'], home);
    expect(outside.code).toBe(1);
    expect(outside.stderr.trim().split('\n')).toHaveLength(1);
    expect(outside.stderr).not.toContain('browse-second');
    expect(outside.stderr).not.toContain('from the copy');
  });

  it('with the backup gone from the storage, show, peek and diff answer from the copy and say so on stderr', async () => {
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'browse-first', Key: key }));
    const note = `lifeboat: Read ${key} from the copy at ${copy()}, because ${primary()} could not give it: There is no backup ${key} in ${primary()}.\n`;

    // The copy's own answer, read with --to, is what --profile gives, plus which copy and why.
    const direct = await runCli(['show', '--to', s3.storageUrl('browse-second'), '--key', key, '--json'], home);
    expect(direct.code, direct.stderr).toBe(0);
    const shown = await runCli(['show', '--profile', 'browse', '--key', key, '--json'], home);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stderr).toBe(note);
    expect(JSON.parse(shown.stdout)).toEqual({ ...(JSON.parse(direct.stdout) as object), fromCopy: note.slice('lifeboat: '.length, -1) });
    expect((JSON.parse(shown.stdout) as { tables: { schema: string; name: string; rows: number }[] }).tables).toContainEqual(expect.objectContaining({ schema: 'sales', name: 'orders', rows: 10000 }));
    const table = await runCli(['show', '--profile', 'browse', '--key', key], home);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stderr).toBe(note);
    expect(table.stdout).toMatch(/^sales\.orders +10000 /m);

    const peekedThere = await runCli(['peek', '--to', s3.storageUrl('browse-second'), '--key', key, '--table', 'sales.orders', '--limit', '3', '--format', 'json'], home);
    expect(peekedThere.code, peekedThere.stderr).toBe(0);
    const peeked = await runCli(['peek', '--profile', 'browse', '--key', key, '--table', 'sales.orders', '--limit', '3', '--format', 'json'], home);
    expect(peeked.code, peeked.stderr).toBe(0);
    expect(peeked.stderr).toBe(note);
    const p = peekJson(peeked.stdout);
    expect(p).toMatchObject({ key, truncated: true, via: 'index', fromCopy: note.slice('lifeboat: '.length, -1) });
    expect(p.rows).toHaveLength(3);
    expect(p).toEqual({ ...peekJson(peekedThere.stdout), fromCopy: p.fromCopy });
    const csv = await runCli(['peek', '--profile', 'browse', '--key', key, '--table', 'sales.orders', '--limit', '2', '--format', 'csv'], home);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stderr).toBe(note);
    expect(csv.stdout.trim().split('\n')).toHaveLength(3);
    expect(csv.stdout.split('\n')[0]).toBe('id,customer_id,total,note');

    // diff reads the lost side from the copy too, by table and row by row, saying so once.
    const diff = await runCli(['diff', '--profile', 'browse', '--key', key, '--key', laterKey, '--json'], home);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stderr).toBe(note);
    const d = JSON.parse(diff.stdout) as { tables: { schema: string; name: string; change: string }[]; fromCopy?: string };
    expect(d.fromCopy).toBe(note.slice('lifeboat: '.length, -1));
    expect(d.tables.filter((t) => t.change !== 'unchanged').map((t) => `${t.schema}.${t.name}`)).toEqual(['sales.orders']);
    const rows = await runCli(['diff', '--profile', 'browse', '--key', key, '--key', laterKey, '--table', 'sales.orders'], home);
    expect(rows.code, rows.stderr).toBe(0);
    expect(rows.stderr).toBe(note);
    expect(rows.stdout).toMatch(/^Rows of sales\.orders by id: 0 added, 0 removed, 1 changed\n {2}changed {2}key \("7"\):\n {4}note: ".+" → NULL\n$/);

    // A table the copy's backup lacks is the copy's answer: the note, then one sentence.
    const wrongTable = await runCli(['peek', '--profile', 'browse', '--key', key, '--table', 'sales.no_such_table'], home);
    expect(wrongTable.code).toBe(1);
    expect(wrongTable.stderr.startsWith(`${note}lifeboat: Backup ${key} has no table "sales.no_such_table".`)).toBe(true);
    expect(wrongTable.stderr.trim().split('\n')).toHaveLength(2);
    // With --to, only that place is read: the storage's own error, no copy.
    const onlyThere = await runCli(['show', '--to', s3.storageUrl('browse-first'), '--key', key], home);
    expect(onlyThere.code).toBe(1);
    expect(onlyThere.stderr).toContain(`lifeboat: There is no backup ${key} in ${primary()}.`);
    expect(onlyThere.stderr).not.toContain('browse-second');
  });

  it('with the storage refusing every request, show and peek answer from the copy, naming why', async () => {
    const before = refusing.failedRequests;
    const shown = await runCli(['show', '--profile', 'browse-down', '--key', key, '--json'], home);
    expect(shown.code, shown.stderr).toBe(0);
    expect(refusing.failedRequests).toBeGreaterThan(before);
    expect(shown.stderr).toMatch(new RegExp(`^lifeboat: Read ${escapeRe(key)} from the copy at ${escapeRe(copy())}, because s3://browse-first/database_backups at ${escapeRe(refusing.endpoint)} could not give it: .+\\n$`));
    expect((JSON.parse(shown.stdout) as { fromCopy?: string }).fromCopy).toBe(shown.stderr.slice('lifeboat: '.length, -1));
    const peeked = await runCli(['peek', '--profile', 'browse-down', '--key', key, '--table', 'sales.orders', '--limit', '1'], home);
    expect(peeked.code, peeked.stderr).toBe(0);
    expect(peeked.stderr).toBe(shown.stderr);
    expect(peeked.stdout).toMatch(/^id +\| customer_id \| total \| note +\n/);
    expect(peeked.stdout).toContain('(1 row; the table has more)');
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
