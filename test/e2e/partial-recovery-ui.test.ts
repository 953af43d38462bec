// Partial recovery in Chromium on the tables that used to fail in the app (issue 10): a serial
// key whose sequence the restore must bring (Pagila's actor: "relation public.actor_actor_id_seq
// does not exist"), and a quoted, non-ASCII name whose type and default function live in other
// schemas ("Sales ""EU"""."Order Lines": "Nothing in backup … matches"). Real harness, engine,
// PostgreSQL, RGW and pg_restore; Copy after an edited filter acts only on previewed rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { tempHome } from '../support/cli.js';
import { startCluster, type PgCluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { openBrowser, type Browser } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

let pg: PgCluster;
let s3: S3Server;
let harness: Harness;
let browser: Browser;
let page: Page;

const QUOTED = '"Sales ""EU"""."Order Lines"';

beforeAll(async () => {
  const home = await tempHome();
  [pg, s3] = await Promise.all([startCluster({ major: 15 }), startS3Server()]);
  await pg.createDatabase('film');
  await pg.query(
    `CREATE TABLE public.actor (actor_id serial PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
     INSERT INTO public.actor (first_name, last_name) SELECT 'first ' || g, 'last ' || g FROM generate_series(1, 200) g;
     CREATE SCHEMA kinds;
     CREATE TYPE kinds.line_kind AS ENUM ('goods', 'service');
     CREATE SCHEMA util;
     CREATE FUNCTION util.default_note() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'näive ✓' $$;
     CREATE SCHEMA "Sales ""EU""";
     CREATE TABLE ${QUOTED} ("Line №" int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind kinds.line_kind NOT NULL, "Straße" text DEFAULT util.default_note());
     INSERT INTO ${QUOTED} (kind, "Straße") SELECT CASE WHEN g % 2 = 0 THEN 'goods' ELSE 'service' END::kinds.line_kind, 'Straße ' || g FROM generate_series(1, 30) g;`,
    [],
    'film',
  );
  await s3.createBucket('backups');
  harness = await startHarness({ ...process.env, ...home, ...s3.env });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

async function nav(name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();
}

async function restoreTable(checkbox: string): Promise<Locator> {
  await nav('Partial recovery');
  const startOver = page.getByRole('button', { name: 'Start over' });
  if (await startOver.isVisible()) await startOver.click();
  await page.getByRole('button', { name: 'Show tables' }).click();
  await page.getByRole('checkbox', { name: checkbox }).check();
  await page.getByRole('button', { name: 'Restore into a temporary database' }).click();
  const filter = page.getByRole('textbox', { name: 'Filter (SQL after WHERE)' });
  await filter.waitFor({ timeout: 90_000 });
  return filter;
}

describe('Partial recovery in Chromium', () => {
  it('backs up the database from the first-run form', async () => {
    await page.goto(harness.url);
    await page.getByRole('heading', { name: 'Welcome to Lifeboat' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('film');
    await page.getByRole('textbox', { name: 'Database URL' }).fill(`postgresql://postgres@127.0.0.1:${pg.port}/film`);
    await page.getByRole('textbox', { name: 'Storage URL' }).fill(s3.storageUrl('backups'));
    await page.getByRole('button', { name: 'Save database' }).click();
    await page.getByRole('heading', { name: 'Backup now: film' }).waitFor();
    await page.getByRole('button', { name: 'Start backup' }).click();
    await page.getByRole('status').filter({ hasText: 'Backup stored as' }).waitFor({ timeout: 60_000 });
    // "Show on calendar" after the first backup leaves the guide for the calendar (it did nothing).
    await page.getByRole('button', { name: 'Show on calendar' }).click();
    await page.getByRole('grid', { name: /^Backups in / }).waitFor();
    expect(await page.getByRole('heading', { name: 'Welcome to Lifeboat' }).count()).toBe(0);
  });

  it('puts each radio button right beside its words', async () => {
    await nav('Partial recovery');
    for (const name of ['Latest backup', 'Specific backup']) {
      const radio = page.getByRole('radio', { name });
      const label = page.locator('label', { has: radio });
      const [r, l] = await Promise.all([radio.boundingBox(), label.boundingBox()]);
      // The label is the radio plus its words: narrow, starting at the radio, on one line.
      expect(r && l ? { startsAtRadio: Math.abs(l.x - r.x) < 4, narrow: l.width < 200, oneLine: l.height < 2.5 * r.height } : null, name).toEqual({ startsAtRadio: true, narrow: true, oneLine: true });
    }
  });

  it("recovers rows of a table with a serial key (Pagila's actor), and Copy after an edited filter copies only the previewed rows", async () => {
    await pg.query('DELETE FROM public.actor WHERE actor_id IN (41, 42)', [], 'film');
    const filter = await restoreTable('public.actor (200 rows)');
    await filter.fill('actor_id = 42');
    await page.getByRole('button', { name: 'Preview rows' }).click();
    const preview = page.getByRole('table', { name: 'Preview of public.actor: 1 row' });
    await preview.waitFor();
    expect(await preview.getByRole('cell', { name: 'first 42', exact: true }).count()).toBe(1);

    await page.getByRole('textbox', { name: 'Copy into database (URL)' }).fill(`postgresql://postgres@127.0.0.1:${pg.port}/film`);
    const copy = page.getByRole('button', { name: 'Copy rows into database' });
    // The filter now says 41, but nobody saw those rows: Copy waits for a preview.
    await filter.fill('actor_id = 41');
    expect(await copy.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Export CSV' }).isDisabled()).toBe(true);
    await filter.fill('actor_id = 42');
    await copy.click();
    await page.getByText('Copied into database “film”: 1 inserted, 0 skipped (already there).').waitFor();
    expect(await pg.query('SELECT actor_id FROM public.actor WHERE actor_id IN (41, 42) ORDER BY 1', [], 'film')).toEqual([{ actor_id: 42 }]);

    // A failing filter: no rows left on screen, the reason beside the filter.
    await filter.fill('no_such_column = 1');
    await page.getByRole('button', { name: 'Preview rows' }).click();
    const alert = page.getByRole('region', { name: 'Find rows' }).getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/column "no_such_column" does not exist.*Write only the part after WHERE/);
    expect(await alert.textContent()).not.toMatch(/--where/);
    expect(await page.getByRole('table', { name: /^Preview of/ }).count()).toBe(0);
    expect(await filter.getAttribute('aria-describedby')).toBe(await alert.getAttribute('id'));
    await page.getByRole('button', { name: 'Drop temporary database' }).click();
    await page.getByText(/^Dropped the temporary database/).waitFor();
  });

  it('recovers rows of a quoted, non-ASCII table whose type and default live in other schemas', async () => {
    await pg.query(`DELETE FROM ${QUOTED} WHERE "Line №" <= 3`, [], 'film');
    const filter = await restoreTable('Sales "EU".Order Lines (30 rows)');
    await filter.fill(`"Line №" <= 3 AND kind = 'service'`);
    await page.getByRole('button', { name: 'Preview rows' }).click();
    const preview = page.getByRole('table', { name: `Preview of ${QUOTED}: 2 rows` });
    await preview.waitFor();
    expect(await preview.getByRole('cell', { name: 'Straße 3', exact: true }).count()).toBe(1);
    await page.getByRole('textbox', { name: 'Copy into database (URL)' }).fill(`postgresql://postgres@127.0.0.1:${pg.port}/film`);
    await page.getByRole('button', { name: 'Copy rows into database' }).click();
    await page.getByText('Copied into database “film”: 2 inserted, 0 skipped (already there).').waitFor();
    expect(await pg.query(`SELECT "Line №" AS n, kind::text AS k FROM ${QUOTED} WHERE "Line №" <= 3 ORDER BY 1`, [], 'film')).toEqual([
      { n: 1, k: 'service' },
      { n: 3, k: 'service' },
    ]);
    await page.getByRole('button', { name: 'Drop temporary database' }).click();
    await page.getByText(/^Dropped the temporary database/).waitFor();
  });
});
