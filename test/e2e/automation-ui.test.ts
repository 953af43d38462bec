// Automation in real Chromium through the browser harness, against the real engine, PostgreSQL and
// S3 server: edit a schedule (next five runs shown live), preview retention, send a test
// notification to a local receiver, and watch a scheduled run land on the calendar, in the log
// and in the report.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { openBrowser, screenshot, type Browser } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

let pg: PgCluster;
let s3: S3Server;
let hook: WebhookReceiver;
let harness: Harness;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const home = await tempHome();
  [pg, s3, hook] = await Promise.all([startCluster({ major: 15 }), startS3Server(), startWebhookReceiver()]);
  await pg.createDatabase('shop');
  await pg.query('CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 500)', [], 'shop');
  await s3.createBucket('auto');
  // Two old backups the seed's scripts wrote, for the retention preview.
  for (const k of ['database_backups/2023/05/15/shop_20230515_031012.sql.gz', 'database_backups/2023/06/15/shop_20230615_031012.sql.gz']) {
    await s3.client.send(new PutObjectCommand({ Bucket: 'auto', Key: k, Body: 'written by the seed script' }));
  }
  // The app's database target and a webhook, as saved earlier by the app and `lifeboat notify`.
  await mkdir(home.LIFEBOAT_HOME, { recursive: true });
  // The app's databases are the CLI's profiles.
  const added = await runCli(['profile', 'add', 'shop', '--db', `postgresql://postgres@127.0.0.1:${pg.port}/shop`, '--to', s3.storageUrl('auto')], { ...home, ...s3.env });
  if (added.code !== 0) throw new Error(`profile add failed: ${added.stderr}`);
  await writeFile(path.join(home.LIFEBOAT_HOME, 'automation.json'), JSON.stringify({ version: 1, notifications: { webhooks: [{ name: 'ops', kind: 'json', urlEnv: 'E2E_HOOK', events: ['test', 'failure'] }] } }));
  harness = await startHarness({ ...process.env, ...home, ...s3.env, E2E_HOOK: `${hook.url}/ops` });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
  await Promise.all([pg?.stop(), s3?.stop(), hook?.close()]);
});

async function expectText(locator: Locator, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
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

describe('automation in Chromium', () => {
  it('edits a schedule with its next five runs and previews retention live', async () => {
    await page.goto(harness.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Schedule' }).click();
    await page.getByRole('heading', { name: 'Schedule for shop' }).waitFor();
    await page.getByRole('radio', { name: 'Cron expression' }).check();
    await page.getByRole('textbox', { name: 'Cron expression' }).fill('*/4 * * * * *');
    const runs = page.getByRole('region', { name: 'Next runs' }).getByRole('listitem');
    // The preview follows the typing: five runs, four seconds apart.
    const gaps = async (): Promise<number[]> => {
      const times = (await runs.allTextContents()).map((t) => Date.parse(`${t.trim().replace(' UTC', '').replace(' ', 'T')}Z`));
      return times.slice(1).map((t, i) => t - (times[i] ?? 0));
    };
    await expect.poll(gaps, { timeout: 10_000 }).toEqual([4000, 4000, 4000, 4000]);

    await page.getByRole('textbox', { name: 'Cron expression' }).fill('99 * * * *');
    await expectText(page.getByRole('region', { name: 'Next runs' }).getByRole('alert'), /is not valid/);
    await page.getByRole('textbox', { name: 'Cron expression' }).fill('*/4 * * * * *');

    await page.getByRole('spinbutton', { name: 'Keep days' }).fill('0');
    await page.getByRole('spinbutton', { name: 'Always keep the newest' }).fill('1');
    const preview = page.getByRole('region', { name: 'Retention preview' });
    await expectText(preview.getByRole('status'), /^This policy would delete 1 of 2 backups now\.$/);
    await preview.getByRole('table', { name: 'Backups this policy would delete' }).getByText('shop_20230515_031012.sql.gz').waitFor();
    await preview.getByText('not among the newest 1').waitFor();
    await page.getByRole('spinbutton', { name: 'Always keep the newest' }).fill('3');
    await expectText(preview.getByRole('status'), /^This policy would delete 0 of 2 backups now\.$/);
    await screenshot(page, '20-schedule-editor');

    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expectText(page.getByRole('status').filter({ hasText: 'Schedule saved' }), /Schedule saved\. Next run: \d{4}-\d{2}-\d{2}/);
  });

  it('sends a test notification and shows how it was delivered', async () => {
    hook.respondWith([500]);
    await page.getByRole('button', { name: 'Send test notification' }).click();
    await expectText(page.getByRole('list', { name: 'Delivery results' }), /^ops: delivered after 2 attempts \(HTTP 200\)$/);
    const got = hook.received.filter((r) => r.path === '/ops');
    expect(got.map((r) => r.status)).toEqual([500, 200]);
    expect(JSON.parse(got[1]!.body)).toMatchObject({ event: 'test' });
  });

  it('shows the scheduled runs on the calendar and the scheduled backup landing there', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Calendar' }).click();
    const today = new Date();
    const monthName = today.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
    const label = `${today.getUTCDate()} ${monthName} ${today.getUTCFullYear()}`;
    const cell = page.getByRole('gridcell', { name: new RegExp(`^${label}: `) });
    // Future runs are on the calendar before any backup exists (unless the UTC day is about to end).
    if (today.getUTCHours() < 23 || today.getUTCMinutes() < 59) await expectText(page.getByRole('gridcell', { name: new RegExp(`^${label}: .*\\d+ scheduled$`) }), /scheduled \d+/);
    // Then a scheduled run stores a backup, and the calendar shows it.
    await page.getByRole('gridcell', { name: new RegExp(`^${label}: [1-9]\\d* backups?`) }).waitFor({ timeout: 60_000 });
    expect(await cell.getAttribute('aria-label')).toMatch(/backups?/);
    await screenshot(page, '21-calendar-scheduled');
    expect((await s3.listKeys('auto')).filter((k) => /shop_\d{8}_\d{6}\.dump$/.test(k)).length).toBeGreaterThan(0);
  });

  it('lists the scheduled backup in the log and the report', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Reports' }).click();
    const log = page.getByRole('table', { name: 'Activity, newest first' });
    await log.getByRole('row').filter({ hasText: 'backup' }).filter({ hasText: 'success' }).first().waitFor({ timeout: 30_000 });
    await page.getByRole('combobox', { name: 'Kind' }).selectOption('notification');
    await expectText(log.getByRole('row').nth(1), /notification.*success.*Delivered the test notification/);
    await expectText(page.getByRole('region', { name: 'Status of shop' }), /^shop: (ok|warning).*[1-9]\d* backups/);
    await screenshot(page, '22-log-report');
    // Stop the schedule so nothing runs on while the test tears down.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Schedule' }).click();
    await page.getByRole('button', { name: 'Remove schedule' }).click();
    await expectText(page.getByRole('status').filter({ hasText: 'Schedule removed' }), /Schedule removed/);
  });
});
