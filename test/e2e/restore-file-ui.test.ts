// Restore a file from disk in real Chromium, through the browser harness (the web shell: the path
// is typed), against the real engine, PostgreSQL and pg_restore. The file is unchanged afterwards.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { PG15_BIN } from '../support/rich-database.js';
import { openBrowser, type Browser } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

const execFileAsync = promisify(execFile);

let pg: PgCluster;
let harness: Harness;
let browser: Browser;
let page: Page;
let home: Awaited<ReturnType<typeof tempHome>>;
let dump = '';

async function sha(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

beforeAll(async () => {
  home = await tempHome();
  pg = await startCluster({ major: 15 });
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY, total numeric)', [], 'shop');
  await pg.query('INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 1500) g', [], 'shop');
  const files = path.join(home.HOME, 'Downloads');
  await mkdir(files, { recursive: true });
  dump = path.join(files, 'from a colleague.dump');
  await execFileAsync(`${PG15_BIN}/pg_dump`, ['--format=custom', `--file=${dump}`, `--dbname=${pg.url('shop')}`]);
  harness = await startHarness({ ...process.env, ...home });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
  await pg?.stop();
});

describe('Restore a file from disk in Chromium', () => {
  it('types the path of a .dump, reviews it (nothing downloaded) and restores it into a temporary database', async () => {
    const before = await sha(dump);
    await page.goto(harness.url);
    await page.getByRole('heading', { name: 'Welcome to Lifeboat' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('shop');
    await page.getByRole('textbox', { name: 'Database URL' }).fill(`postgresql://postgres@127.0.0.1:${pg.port}/shop`);
    await page.getByRole('textbox', { name: 'Storage URL' }).fill(`file://${path.join(home.HOME, 'backups')}`);
    await page.getByRole('button', { name: 'Save database' }).click();
    await page.getByRole('heading', { name: 'Backup now: shop' }).waitFor();
    // The first-run guide ends with a first backup; then the main navigation is there.
    await page.getByRole('button', { name: 'Start backup' }).click();
    await page.getByRole('status').filter({ hasText: 'Backup stored as' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Show on calendar' }).click();
    await page.getByRole('grid', { name: /^Backups in / }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByRole('radio', { name: 'A file from disk…' }).check();
    // A browser never says where a file lies: no file dialog here, the path is typed.
    expect(await page.getByRole('button', { name: 'Choose a file…' }).count()).toBe(0);
    await page.getByRole('textbox', { name: 'Dump file path' }).fill(dump);
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByText('None: the file is read where it lies').waitFor();
    await page.getByRole('list', { name: 'What will happen' }).getByText(/never changing or copying it/).waitFor();
    await page.getByRole('button', { name: 'Start restore' }).click();
    const url = page.getByRole('textbox', { name: 'Temporary database URL' });
    await url.waitFor({ timeout: 60_000 });
    const tempDb = decodeURIComponent(new URL(await url.inputValue()).pathname.slice(1));
    expect(tempDb).toMatch(/^lifeboat_shop_\d{8}_\d{6}$/);
    expect(await pg.query('SELECT count(*)::int AS n FROM orders', [], tempDb)).toEqual([{ n: 1500 }]);
    expect(await sha(dump)).toBe(before);
  });

  it('a path that is not a dump is refused in one sentence, on the form', async () => {
    await page.getByRole('button', { name: 'Start another restore' }).click();
    await page.getByRole('radio', { name: 'A file from disk…' }).check();
    await page.getByRole('textbox', { name: 'Dump file path' }).fill(path.join(home.HOME, 'Downloads'));
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByText(/is a folder; give the path of a dump file/).waitFor();
  });
});
