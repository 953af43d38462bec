// The whole UI in real Chromium, through the browser harness, against the real engine, a real
// PostgreSQL and a real S3 server: first run → add a database → back up → find it on the
// calendar → restore the latest into a temporary database → extract rows → cancel a running
// backup and see nothing left. Each screen is screenshotted for the
// README (docs/screenshots/).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';
import { openBrowser, screenshot, type Browser } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'e2e pa55word';
let pg: PgCluster;
let s3: S3Server;
let proxy: StallingProxy;
let harness: Harness;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const home = await tempHome();
  [pg, s3] = await Promise.all([startCluster({ major: 15, password: PASSWORD }), startS3Server()]);
  await pg.createDatabase('shop');
  await pg.query(
    `CREATE TABLE customers (id int PRIMARY KEY, name text);
     CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers, total numeric(10,2));
     INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 200) g;
     INSERT INTO orders SELECT g, 1 + g % 200, g * 1.25 FROM generate_series(1, 2000) g;`,
    [],
    'shop',
  );
  // A second database for the cancel test (two backups of one database in one second share a key).
  await pg.createDatabase('billing');
  await s3.createBucket('backups');
  await s3.client.send(new PutObjectCommand({ Bucket: 'backups', Key: 'database_backups/2023/05/15/shop_20230515_031012.sql.gz', Body: 'written by the seed script' }));
  proxy = await startStallingProxy(s3.endpoint, (req) => req.method === 'PUT' && !/\.claim(\?|$)/.test(req.url ?? ''));
  harness = await startHarness({ ...process.env, ...home, ...s3.env });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
  await Promise.all([pg?.stop(), s3?.stop(), proxy?.close()]);
});

const dbUrl = () => `postgresql://postgres@127.0.0.1:${pg.port}/shop`;

describe('Lifeboat in Chromium', () => {
  it('first run: adds a database with its storage, tests both, takes the first backup', async () => {
    await page.goto(harness.url);
    await page.getByRole('heading', { name: 'Welcome to Lifeboat' }).waitFor();
    // The token leaves the address bar once read.
    expect(page.url()).not.toContain('token=');
    await screenshot(page, '01-first-run');

    await page.getByRole('textbox', { name: 'Name' }).fill('shop');
    await page.getByRole('textbox', { name: 'Database URL' }).fill(dbUrl());
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('textbox', { name: 'Storage URL' }).fill(s3.storageUrl('backups'));
    await page.getByRole('button', { name: 'Test connection' }).click();
    const conn = page.getByRole('status', { name: 'Connection test result' });
    await expectText(conn, /Connected to PostgreSQL 15\.\d+, database “shop”.*Backups will use pg_dump 15\.\d+ \(.*pg_dump\)/);
    await page.getByRole('button', { name: 'Test storage' }).click();
    await expectText(page.getByRole('status', { name: 'Storage test result' }), /Storage ready: s3:\/\/backups\/database_backups .*\(1 backup found\)/);
    await screenshot(page, '02-first-run-tested');

    await page.getByRole('button', { name: 'Save database' }).click();
    await page.getByRole('heading', { name: 'Backup now: shop' }).waitFor();
    await page.getByRole('textbox', { name: 'Label' }).fill('before migration 42');
    await page.getByRole('checkbox', { name: /Pin this backup/ }).check();
    await page.getByRole('button', { name: 'Start backup' }).click();
    await expectText(page.getByRole('status').filter({ hasText: 'Backup stored as' }), /Backup stored as database_backups\/\d{4}\/\d{2}\/\d{2}\/shop_\d{8}_\d{6}\.dump\./);
    await screenshot(page, '03-first-backup-done');
  });

  it('finds the backup on the calendar, and the seed script’s backup in the list view', async () => {
    await page.getByRole('button', { name: 'Go to the calendar' }).click();
    const today = new Date();
    const monthName = today.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
    const grid = page.getByRole('grid', { name: `Backups in ${monthName} ${today.getUTCFullYear()}` });
    const cell = grid.getByRole('gridcell', { name: `${today.getUTCDate()} ${monthName} ${today.getUTCFullYear()}: 1 backup, 1 pinned` });
    await cell.click();
    const dayTable = page.getByRole('table', { name: /^Backups on / });
    await dayTable.getByText('before migration 42').waitFor();
    expect(await dayTable.getByRole('cell', { name: 'Pinned', exact: true }).count()).toBe(1);
    // Verify it: the whole object is read back and checked against its manifest.
    await dayTable.getByRole('button', { name: /^Verify the backup taken / }).click();
    await dayTable.getByText(/^passed \d{4}-\d{2}-\d{2}$/).waitFor({ timeout: 60_000 });
    await grid.getByRole('gridcell', { name: `${today.getUTCDate()} ${monthName} ${today.getUTCFullYear()}: 1 backup, 1 pinned, 1 verified` }).waitFor();
    // The last 90 days, from the engine's activity log: the backup's size, and the verification.
    const history = page.getByRole('region', { name: 'Last 90 days' });
    await history.getByRole('img', { name: /^Size: largest .+ over 1 successful backup$/ }).waitFor();
    await history.getByText(/verifications: 1 passed, 0 failed/).waitFor();
    await screenshot(page, '04-calendar');

    await page.getByRole('button', { name: 'List view' }).click();
    await page.getByRole('searchbox', { name: 'Search backups by key or label' }).fill('20230515');
    await expectText(page.getByRole('status'), /^1 backup matches\.$/);
    await page.getByRole('table', { name: 'Matching backups, newest first' }).getByText('none (written by another tool)').waitFor();
    await screenshot(page, '05-list-view');
  });

  it('restores the latest backup into a temporary database, then drops it', async () => {
    await nav('Restore');
    await page.getByRole('radio', { name: 'Latest backup' }).check();
    await page.getByRole('radio', { name: 'Into a temporary database' }).check();
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('list', { name: 'Warnings' }).getByText(/same server as the source/).waitFor();
    await screenshot(page, '09-restore-review');
    await page.getByRole('button', { name: 'Start restore' }).click();
    const url = page.getByRole('textbox', { name: 'Temporary database URL' });
    await url.waitFor({ timeout: 60_000 });
    const tempUrl = await url.inputValue();
    expect(tempUrl).toMatch(new RegExp(`^postgresql://postgres@127\\.0\\.0\\.1:${pg.port}/lifeboat_shop_\\d{8}_\\d{6}`));
    expect(tempUrl).not.toContain(PASSWORD.split(' ')[0]);
    const tempDb = decodeURIComponent(new URL(tempUrl).pathname.slice(1));
    expect(await pg.query('SELECT count(*)::int AS n FROM orders', [], tempDb)).toEqual([{ n: 2000 }]);
    await screenshot(page, '10-restore-done');
    await page.getByRole('button', { name: 'Drop temporary database' }).click();
    await page.getByText(`Dropped the temporary database “${tempDb}”.`).waitFor();
    expect(await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [tempDb])).toEqual([]);
  });

  it('extracts a customer’s deleted orders from the backup: preview, CSV export, copy back with counts', async () => {
    // The mistake partial recovery is for: a customer's orders deleted in production.
    await pg.query('DELETE FROM orders WHERE customer_id = 7', [], 'shop');
    await nav('Partial recovery');
    await page.getByRole('button', { name: 'Show tables' }).click();
    await page.getByRole('checkbox', { name: 'public.orders (2,000 rows)' }).check();
    await page.getByRole('button', { name: 'Restore into a temporary database' }).click();
    const filter = page.getByRole('textbox', { name: 'Filter (SQL after WHERE)' });
    await filter.waitFor({ timeout: 60_000 });
    await filter.fill('customer_id = 7');
    await page.getByRole('button', { name: 'Preview rows' }).click();
    const preview = page.getByRole('table', { name: 'Preview of public.orders: 10 rows' });
    await preview.waitFor();
    expect(await preview.getByRole('row').count()).toBe(11);
    await screenshot(page, '11-partial-recovery');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('public.orders.csv');
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(11);

    await page.getByRole('textbox', { name: 'Copy into database (URL)' }).fill(dbUrl());
    await page.getByLabel('Its password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Copy rows into database' }).click();
    await page.getByText('Copied into database “shop”: 10 inserted, 0 skipped (already there).').waitFor();
    expect(await pg.query('SELECT count(*)::int AS n FROM orders WHERE customer_id = 7', [], 'shop')).toEqual([{ n: 10 }]);
    await screenshot(page, '12-partial-recovery-copied');
    await page.getByRole('button', { name: 'Drop temporary database' }).click();
    await page.getByText(/^Dropped the temporary database/).waitFor();
  });

  it('cancels a running backup and leaves nothing behind', async () => {
    const before = await s3.listKeys('backups');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Add a database' }).click();
    const form = page.getByRole('form', { name: 'Add a database' });
    await form.getByRole('textbox', { name: 'Name' }).fill('billing-slow-link');
    await form.getByRole('textbox', { name: 'Database URL' }).fill(dbUrl().replace(/\/shop$/, '/billing'));
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('textbox', { name: 'Storage URL' }).fill(`s3://backups?endpoint=${encodeURIComponent(proxy.endpoint)}`);
    await form.getByRole('button', { name: 'Save database' }).click();
    await page.getByRole('listitem', { name: 'billing-slow-link' }).waitFor();
    await screenshot(page, '06-databases');

    await page.getByRole('navigation', { name: 'Databases' }).getByRole('button', { name: /^billing-slow-link, / }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Backup now' }).click();
    await page.getByRole('button', { name: 'Start backup' }).click();
    // The upload is held by the proxy: the job is running, with its live figures.
    await page.getByRole('button', { name: 'Cancel backup' }).waitFor();
    const deadline = Date.now() + 30_000;
    while (proxy.held() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(proxy.held(), await page.locator('main').innerText()).toBeGreaterThan(0);
    // Live figures: the dump's bytes (all sent, now waiting on the upload) and the elapsed time.
    await expectText(page.getByRole('status').filter({ hasText: 'Phase' }), /Phase ?Dumping and uploading ?Bytes ?[1-9][\d.]* (B|KiB|MiB) ?Rate ?.*\/s ?Elapsed/);
    await screenshot(page, '07-backup-running');
    await page.getByRole('button', { name: 'Cancel backup' }).click();
    await expectText(page.getByRole('status').filter({ hasText: 'cancelled' }), /^The backup was cancelled; nothing was kept\.$/);
    expect(await s3.listKeys('backups')).toEqual(before);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Activity' }).click();
    const recent = page.getByRole('table', { name: 'Recent jobs, newest first' });
    await recent.getByRole('row', { name: /Back up billing-slow-link .* Cancelled/ }).waitFor();
    await recent.getByRole('row', { name: /Back up shop to s3:\/\/backups\/database_backups .* Done/ }).waitFor();
    await screenshot(page, '08-activity');
  });
});

async function nav(name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();
}

async function expectText(locator: import('playwright-core').Locator, pattern: RegExp): Promise<void> {
  await locator.first().waitFor();
  const deadline = Date.now() + 30_000;
  let text = '';
  while (Date.now() < deadline) {
    text = ((await locator.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
    if (pattern.test(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(text).toMatch(pattern);
}
