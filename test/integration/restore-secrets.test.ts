import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';

const PASSWORD = 's3cr3t-Pässword';

let pg: PgCluster;
let home: Awaited<ReturnType<typeof tempHome>>;
let env: NodeJS.ProcessEnv;
let to: string;
let key: string;

beforeAll(async () => {
  [pg, home] = await Promise.all([startCluster({ major: 15, password: PASSWORD }), tempHome()]);
  env = { ...process.env, ...home };
  to = `file://${path.join(home.HOME, 'backups')}`;
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, $$a$$), (2, NULL)', [], 'shop');
  key = (await runBackup({ db: pg.url('shop'), to, env })).key;
});

afterAll(async () => {
  await pg?.stop();
});

describe('passwords in target URLs', () => {
  it('never appear in output, the temporary-database registry or error messages', async () => {
    const r = await runCli(['restore', '--key', key, '--to', to, '--target', pg.url(), '--temp', '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { url: string; database: string };
    expect(out.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/lifeboat_shop_/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(encodeURIComponent(PASSWORD));
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
    const registry = await readFile(path.join(home.LIFEBOAT_HOME, 'temp-databases.json'), 'utf8');
    expect(registry).toContain(out.database);
    expect(registry).not.toContain(PASSWORD);
    expect(registry).not.toContain(encodeURIComponent(PASSWORD));

    const refused = await runCli(['restore', '--key', key, '--to', to, '--target', pg.url('shop')], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not empty/);
    expect(refused.stderr).not.toContain(PASSWORD);
    const extract = await runCli(['extract', '--key', key, '--to', to, '--server', pg.url(), '--table', 't', '--format', 'csv'], env);
    expect(extract.stdout).toBe('"id","v"\r\n"1","a"\r\n"2",\r\n');
    expect(extract.stderr).toBe('');
    expect((await runCli(['temp', 'drop', out.database, '--server', pg.url()], env)).code).toBe(0);
  });
});
