import { PutObjectCommand } from '@aws-sdk/client-s3';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

let pg: PgCluster;
let s3: S3Server;
let home: Awaited<ReturnType<typeof tempHome>>;
const DAY = 86_400_000;

beforeAll(async () => {
  [pg, s3, home] = await Promise.all([startCluster({ major: 15 }), startS3Server(), tempHome()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 500) g', [], 'shop');
  await s3.createBucket('prune-me');
});

afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
});

describe('lifeboat prune against the S3 server', () => {
  it('shows the plan on a dry run, then deletes exactly what it showed, with sidecars and orphans', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    const to = s3.storageUrl('prune-me');
    const now = Date.now();
    const at = (days: number) => () => new Date(now - days * DAY);
    // Real backups named as if taken 1, 40, 50, 60, 70 and 400 days ago (the oldest pinned).
    const keys: Record<string, string> = {};
    for (const d of [1, 40, 50, 60, 70]) keys[d] = (await runBackup({ db: pg.url('shop'), to, env, now: at(d) })).key;
    keys[400] = (await runBackup({ db: pg.url('shop'), to, env, now: at(400), pin: true, label: 'before migration 42' })).key;
    // A verify record beside one doomed backup, a seed-layout object without manifest, an orphan manifest.
    const put = (Key: string, Body: string) => s3.client.send(new PutObjectCommand({ Bucket: 'prune-me', Key, Body }));
    await put(`${keys[70]}.verify.json`, '{"ok":true}');
    const seedKey = 'database_backups/2024/01/02/shop_20240102_030405.sql.gz';
    await put(seedKey, 'seed bytes');
    const orphan = 'database_backups/2024/02/03/shop_20240203_030405.dump.manifest.json';
    await put(orphan, '{}');
    const orphanIndex = 'database_backups/2024/02/03/shop_20240203_030405.dump.index.json';
    await put(orphanIndex, '{}');
    const unrelated = 'database_backups/README.txt';
    await put(unrelated, 'not a backup');
    const before = await s3.listKeys('prune-me');

    const dry = await runCli(['prune', '--to', to, '--dry-run'], env);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`KEEP +${keys[1]}.*within 30 days`));
    expect(dry.stdout).toMatch(new RegExp(`KEEP +${keys[40]}.*among the newest 3`));
    expect(dry.stdout).toMatch(new RegExp(`KEEP +${keys[400]}.*pinned`));
    expect(dry.stdout).toMatch(new RegExp(`DELETE +${keys[60]}.*older than 30 days`));
    expect(dry.stdout).toMatch(new RegExp(`DELETE +${seedKey}`));
    expect(dry.stdout).toContain(`ORPHAN  ${orphan}`);
    expect(dry.stdout).not.toContain('cannot list incomplete multipart uploads');
    expect(dry.stdout).toContain('Would delete 3 backup(s)');
    expect(await s3.listKeys('prune-me')).toEqual(before);

    const real = await runCli(['prune', '--to', to, '--json'], env);
    expect(real.code).toBe(0);
    const result = JSON.parse(real.stdout) as { plan: { delete: number }; deletedKeys: string[]; orphans: string[] };
    expect(result.plan.delete).toBe(3);
    const after = await s3.listKeys('prune-me');
    // Each backup keeps (or loses) its archive index and its globals with it.
    const expected = [keys[1], keys[40], keys[50], keys[400]].flatMap((k) => [k!, `${k!}.globals.sql`, `${k!}.index.json`, `${k!}.manifest.json`]).concat(unrelated).sort();
    expect(after).toEqual(expected);
    expect(result.deletedKeys).toEqual(expect.arrayContaining([keys[70], `${keys[70]}.manifest.json`, `${keys[70]}.verify.json`, `${keys[70]}.index.json`, `${keys[70]}.globals.sql`, seedKey]));
    expect(result.orphans).toEqual([orphanIndex, orphan]);

    // Idempotent: a second pass deletes nothing.
    const again = await runCli(['prune', '--to', to, '--json'], env);
    expect((JSON.parse(again.stdout) as { plan: { delete: number } }).plan.delete).toBe(0);
    expect(await s3.listKeys('prune-me')).toEqual(expected);

    // Every prune is in the activity log, without credentials.
    const log = await runCli(['log', '--kind', 'prune', '--json'], env);
    const entries = JSON.parse(log.stdout) as ActivityEntry[];
    expect(entries.map((e) => e.outcome)).toEqual(['info', 'success', 'success']);
    expect(entries[1]?.details).toMatchObject({ deleted: 3, orphans: 2 });
    expect(log.stdout).not.toContain(s3.secretAccessKey);
  });

  it('refuses a policy that could delete the last backup, changing nothing', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    const r = await runCli(['prune', '--to', s3.storageUrl('prune-me'), '--keep-last', '0'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('lifeboat: The retention policy is not valid: keep-last must be a whole number from 1 to 10000 (got 0).\n');
  });

  it('aborts incomplete multipart uploads older than a day (listing answered as AWS does)', async () => {
    // AWS's own listing format, answered by this proxy: RGW stamps uploads with its own clock, so a
    // three-day-old upload cannot be made on it without moving the server's clock (the real RGW
    // kill -9 case is in concurrent-backups.test.ts). The proxy records the aborts; everything else
    // goes to RGW.
    const old = new Date(Date.now() - 3 * DAY).toISOString();
    const fresh = new Date(Date.now() - 60_000).toISOString();
    const deletes: string[] = [];
    const upstream = new URL(s3.endpoint);
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.searchParams.has('uploads')) {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>prune-me</Bucket><IsTruncated>false</IsTruncated>` +
          `<Upload><Key>database_backups/2026/11/20/shop_20261120_030000.dump</Key><UploadId>stale-1</UploadId><Initiated>${old}</Initiated></Upload>` +
          `<Upload><Key>database_backups/2026/11/25/shop_20261125_030000.dump</Key><UploadId>fresh-1</UploadId><Initiated>${fresh}</Initiated></Upload>` +
          `</ListMultipartUploadsResult>`);
        return;
      }
      if (req.method === 'DELETE' && url.searchParams.has('uploadId')) {
        deletes.push(url.searchParams.get('uploadId') ?? '');
        res.writeHead(204).end();
        return;
      }
      const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const env = { ...process.env, ...home, ...s3.env };
      const to = `s3://prune-me?endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}`;
      const dry = await runCli(['prune', '--to', to, '--dry-run'], env);
      expect(dry.stdout).toContain('INCOMPLETE  database_backups/2026/11/20/shop_20261120_030000.dump');
      expect(dry.stdout).not.toContain('shop_20261125_030000');
      expect(deletes).toEqual([]);
      const real = await runCli(['prune', '--to', to], env);
      expect(real.code).toBe(0);
      expect(deletes).toEqual(['stale-1']);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('a CLI backup is logged with bytes and key, a failed one with its error and no password', async () => {
    const env = { ...process.env, ...home, ...s3.env };
    const ok = await runCli(['backup', '--db', pg.url('shop'), '--to', s3.storageUrl('prune-me', 'logged'), '--json'], env);
    expect(ok.code).toBe(0);
    const key = (JSON.parse(ok.stdout) as { key: string }).key;
    const bad = await runCli(['backup', '--db', `postgresql://postgres:Sup3rSecret@127.0.0.1:${pg.port}/nope`, '--to', s3.storageUrl('prune-me', 'logged')], env);
    expect(bad.code).toBe(1);
    const log = await runCli(['log', '--kind', 'backup', '--json'], env);
    const entries = JSON.parse(log.stdout) as ActivityEntry[];
    expect(entries.at(-2)).toMatchObject({ outcome: 'success', key, error: null });
    expect(entries.at(-2)?.bytes).toBeGreaterThan(0);
    expect(entries.at(-1)).toMatchObject({ outcome: 'failure', error: { code: 'PG_DATABASE_MISSING' } });
    expect(log.stdout).not.toContain('Sup3rSecret');
    const failures = await runCli(['log', '--outcome', 'failure'], env);
    expect(failures.stdout).toMatch(/backup +failure/);
    expect(failures.stdout).not.toContain('success');
  });
});
