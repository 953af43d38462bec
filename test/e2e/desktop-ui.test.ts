// The whole UI in real Chromium, through the browser harness, against the real engine, a real
// PostgreSQL and a real S3 server: first run → add a database → back up → find it on the
// calendar → cancel a running backup and see nothing left. Each screen is screenshotted for the
// README (docs/screenshots/).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { TEST_S3_ENV, startS3Server, type S3Server } from '../support/s3-server.js';
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
  await s3.createBucket('backups');
  await s3.client.send(new PutObjectCommand({ Bucket: 'backups', Key: 'database_backups/2023/05/15/shop_20230515_031012.sql.gz', Body: 'written by the seed script' }));
  proxy = await startStallingProxy(s3.endpoint, (req) => req.method === 'PUT');
  harness = await startHarness({ ...process.env, ...home, ...TEST_S3_ENV });
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
    await screenshot(page, '04-calendar');

    await page.getByRole('button', { name: 'List view' }).click();
    await page.getByRole('searchbox', { name: 'Search backups by key or label' }).fill('20230515');
    await expectText(page.getByRole('status'), /^1 backup matches\.$/);
    await page.getByRole('table', { name: 'Matching backups, newest first' }).getByText('none (written by another tool)').waitFor();
    await screenshot(page, '05-list-view');
  });

  it('cancels a running backup and leaves nothing behind', async () => {
    const before = await s3.listKeys('backups');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Databases' }).click();
    await page.getByRole('button', { name: 'Add a database' }).click();
    const form = page.getByRole('form', { name: 'Add a database' });
    await form.getByRole('textbox', { name: 'Name' }).fill('shop via slow link');
    await form.getByRole('textbox', { name: 'Database URL' }).fill(dbUrl());
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('textbox', { name: 'Storage URL' }).fill(`s3://backups?endpoint=${encodeURIComponent(proxy.endpoint)}`);
    await form.getByRole('button', { name: 'Save database' }).click();
    await page.getByRole('listitem', { name: 'shop via slow link' }).waitFor();
    await screenshot(page, '06-databases');

    await page.getByRole('combobox', { name: 'Database' }).selectOption({ label: 'shop via slow link' });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Backup now' }).click();
    await page.getByRole('button', { name: 'Start backup' }).click();
    // The upload is held by the proxy: the job is running, with its live figures.
    await page.getByRole('button', { name: 'Cancel backup' }).waitFor();
    while (proxy.held() === 0) await new Promise((r) => setTimeout(r, 20));
    // Live figures: the dump's bytes (all sent, now waiting on the upload) and the elapsed time.
    await expectText(page.getByRole('status').filter({ hasText: 'Phase' }), /Phase ?Dumping and uploading ?Bytes ?[1-9][\d.]* KiB ?Rate ?.*\/s ?Elapsed/);
    await screenshot(page, '07-backup-running');
    await page.getByRole('button', { name: 'Cancel backup' }).click();
    await expectText(page.getByRole('status').filter({ hasText: 'cancelled' }), /^The backup was cancelled; nothing was kept\.$/);
    expect(await s3.listKeys('backups')).toEqual(before);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Activity' }).click();
    const recent = page.getByRole('table', { name: 'Recent jobs, newest first' });
    await recent.getByRole('row', { name: /Back up shop via slow link .* Cancelled/ }).waitFor();
    await recent.getByRole('row', { name: /Back up shop to s3:\/\/backups\/database_backups .* Done/ }).waitFor();
    await screenshot(page, '08-activity');
  });
});

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
