// Browse and Compare in real Chromium through the browser harness, against the real engine, a real
// PostgreSQL and Ceph RGW: open a backup from the calendar, search its tables, read the first rows
// of one (no restore), move through the grid with the keyboard, go to partial recovery with that
// table chosen; compare two backups and ask what changed in the live database since a backup.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.js';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { openBrowser, screenshot, type Browser } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

let pg: PgCluster;
let s3: S3Server;
let harness: Harness;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const home = await tempHome();
  [pg, s3] = await Promise.all([startCluster({ major: 15 }), startS3Server()]);
  await pg.createDatabase('shop');
  await pg.query(
    `CREATE TABLE customers (id int PRIMARY KEY, name text);
     CREATE TABLE orders (id int PRIMARY KEY, customer_id int, note text);
     INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
     INSERT INTO orders SELECT g, 1 + g % 50, CASE WHEN g = 2 THEN NULL WHEN g = 3 THEN '' ELSE 'order ' || g END FROM generate_series(1, 300) g;`,
    [],
    'shop',
  );
  await s3.createBucket('browse');
  const env = { ...process.env, ...home, ...s3.env };
  const added = await runCli(['profile', 'add', 'shop', '--db', pg.url('shop'), '--to', s3.storageUrl('browse')], env);
  if (added.code !== 0) throw new Error(`profile add failed: ${added.stderr}`);
  // Two backups days apart (fixed clock), with an update in between.
  await runBackup({ db: pg.url('shop'), to: s3.storageUrl('browse'), env, now: () => new Date('2026-11-20T03:00:00Z') });
  await pg.query(`UPDATE orders SET note = 'changed' WHERE id = 10; INSERT INTO customers VALUES (51, 'new')`, [], 'shop');
  await runBackup({ db: pg.url('shop'), to: s3.storageUrl('browse'), env, now: () => new Date('2026-11-25T10:11:12Z') });
  await pg.query(`INSERT INTO customers VALUES (52, 'after the backup')`, [], 'shop');
  harness = await startHarness(env);
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

async function expectText(locator: Locator, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  await locator.first().waitFor({ timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = ((await locator.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Expected ${String(pattern)}, last saw "${text}"`);
}

describe('Browse and Compare in Chromium', () => {
  it('browses a backup on RGW: tables, search, the first rows in a keyboard grid, then partial recovery with the table chosen', async () => {
    await page.goto(harness.url);
    await page.getByRole('button', { name: 'List view' }).click();
    await page.getByRole('button', { name: 'Browse the backup taken 2026-11-25 10:11:12 UTC' }).click();
    const tables = page.getByRole('table', { name: '2 of 2 tables' });
    await tables.waitFor({ timeout: 60_000 });
    await expectText(tables.getByRole('row', { name: /public\.orders/ }), /public\.orders\s*300/);
    await page.getByRole('searchbox', { name: 'Search tables' }).fill('cust');
    await page.getByRole('table', { name: '1 of 2 tables' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search tables' }).fill('');
    await page.getByRole('button', { name: 'Show rows of public.orders' }).click();
    const grid = page.getByRole('grid', { name: 'Rows of public.orders' });
    await grid.waitFor({ timeout: 60_000 });
    expect(await grid.getAttribute('aria-rowcount')).toBe('301');
    // NULL and '' apart, values as PostgreSQL's text.
    expect(await grid.getByRole('row').nth(2).getByRole('gridcell').allTextContents()).toEqual(['2', '3', 'NULL']);
    expect(await grid.getByRole('row').nth(3).getByRole('gridcell').allTextContents()).toEqual(['3', '4', '']);
    // Virtualized: only the rows in view (and a few more) are drawn.
    expect(await grid.getByRole('row').count()).toBeLessThan(60);
    await grid.getByRole('gridcell').first().click();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('NULL');
    await page.keyboard.press('Control+End');
    // The last row in physical order, as pg_dump wrote it: order 10, moved to the end by its update.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('changed');
    expect(await page.evaluate(() => document.activeElement?.closest('[role="row"]')?.getAttribute('aria-rowindex'))).toBe('301');
    await screenshot(page, '30-browse-backup');

    await page.getByRole('button', { name: 'Recover rows…' }).click();
    await page.getByRole('heading', { name: 'Partial recovery: shop' }).waitFor();
    const picked = page.getByRole('checkbox', { name: 'public.orders (300 rows)' });
    await picked.waitFor({ timeout: 60_000 });
    expect(await picked.isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /public\.customers/ }).isChecked()).toBe(false);
  });

  it('compares two backups, shows the changed rows, and what changed in the live database since a backup', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Calendar' }).click();
    await page.getByRole('button', { name: 'List view' }).click();
    await page.getByRole('button', { name: 'Compare the backup taken 2026-11-25 10:11:12 UTC' }).click();
    await page.getByRole('combobox', { name: 'Compare with' }).selectOption({ label: '2026-11-20 03:00:00 UTC' });
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const changed = page.getByRole('table', { name: '2 tables changed' });
    await changed.waitFor({ timeout: 60_000 });
    await expectText(changed.getByRole('row', { name: /public\.customers/ }), /public\.customers\s*changed\s*50\s*51/);
    await changed.getByRole('button', { name: 'Show changed rows of public.orders' }).click();
    const rows = page.getByRole('table', { name: /Rows of public\.orders that changed, by id/ });
    await rows.waitFor({ timeout: 60_000 });
    expect(await rows.getByRole('row').nth(1).textContent()).toBe('10changednote10, 11, order 1010, 11, changed');
    await screenshot(page, '31-compare-backups');

    await page.getByRole('button', { name: 'What changed since this backup?' }).click();
    await page.getByRole('heading', { name: /→ the live database$/ }).waitFor({ timeout: 60_000 });
    const live = page.getByRole('table', { name: '1 table changed; 1 unchanged' });
    await expectText(live.getByRole('row', { name: /public\.customers/ }), /public\.customers\s*changed\s*51\s*52/);
  });
});
