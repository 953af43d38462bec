import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runRestore } from '../../electron/engine/restore/run-restore.js';
import { tempHome } from '../support/cli.js';
import { serverAvailable, startCluster, type PgCluster } from '../support/pg-cluster.js';
import { contentHashes, seedRichDatabase } from '../support/rich-database.js';

// A PostgreSQL 15 backup restored into the embedded 16 and 17 servers with the local pg_restore/psql 15.
const majors = ([16, 17] as const).filter((m) => serverAvailable(m));

let pg15: PgCluster;
const newer = new Map<number, PgCluster>();
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let to: string;
let customKey: string;
let plainKey: string;
let hashes: Record<string, string>;

beforeAll(async () => {
  home = await tempHome();
  env = { ...process.env, ...home };
  to = `file://${path.join(home.HOME, 'backups')}`;
  const started = await Promise.all([startCluster({ major: 15 }), ...majors.map((m) => startCluster({ major: m }))]);
  pg15 = started[0]!;
  started.slice(1).forEach((c) => newer.set(c.major, c));
  await pg15.createDatabase('shop');
  await seedRichDatabase(pg15, 'shop');
  customKey = (await runBackup({ db: pg15.url('shop'), to, env })).key;
  plainKey = (await runBackup({ db: pg15.url('shop'), to, env, format: 'plain', now: () => new Date(Date.UTC(2025, 0, 1)) })).key;
  hashes = await contentHashes(pg15, 'shop');
});

afterAll(async () => {
  await Promise.all([pg15?.stop(), ...[...newer.values()].map((c) => c.stop())]);
});

describe('restore into a newer server', () => {
  it('has the embedded 16 and 17 servers to test with', () => {
    expect(majors).toEqual([16, 17]);
  });

  for (const major of majors) {
    it(`restores a 15 backup (custom and plain) into PostgreSQL ${major} with identical contents`, async () => {
      const target = newer.get(major) as PgCluster;
      const r = await runRestore({ key: customKey, to, target: target.url('shop'), env });
      expect(r.tool.name).toBe('pg_restore');
      expect(await contentHashes(target, 'shop')).toEqual(hashes);
      await runRestore({ key: plainKey, to, target: target.url('shop_plain'), env });
      expect(await contentHashes(target, 'shop_plain')).toEqual(hashes);
      const [v] = await target.query<{ v: string }>("SELECT current_setting('server_version') AS v", [], 'shop');
      expect(v?.v).toMatch(new RegExp(`^${major}\\.`));
    });
  }
});
