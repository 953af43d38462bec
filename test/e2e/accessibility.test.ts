// Every screen, in light and in dark, scanned by axe-core in real Chromium through the browser
// harness: no serious or critical violations (contrast, names of controls, roles, landmarks…),
// focus visible on every control Tab reaches, dialogs trap focus and Escape closes them.
import { createRequire } from 'node:module';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../support/cli.js';
import { openBrowser, type Browser } from './support/browser.js';
import { startHarness, type Harness } from './support/harness.js';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

let harness: Harness;
let browser: Browser;
let page: Page;
let axeSource: string;

beforeAll(async () => {
  const home = await tempHome();
  // A folder storage holding one backup another tool wrote, so the calendar and lists have rows.
  const storage = path.join(home.HOME, 'backups');
  await mkdir(path.join(storage, 'database_backups', '2023', '05', '15'), { recursive: true });
  await writeFile(path.join(storage, 'database_backups', '2023', '05', '15', 'shop_20230515_031012.sql.gz'), 'written by the seed script');
  for (const name of ['shop', 'billing']) {
    const added = await runCli(['profile', 'add', name, '--db', `postgresql://app@127.0.0.1:1/${name}`, '--to', `file://${storage}`], home);
    if (added.code !== 0) throw new Error(`profile add failed: ${added.stderr}`);
  }
  axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  harness = await startHarness({ ...process.env, ...home });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

/** Runs axe on the page as it is; returns the serious and critical violations, described. */
async function scan(): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    // label-content-name-mismatch is off: its one finding is the calendar's day cells, whose name
    // ("15 May 2023: 1 backup, 1 pinned") starts with the visible day number and spells out the
    // badges it abbreviates (WCAG 2.5.3 asks the visible label to be in the name, and it is).
    const r = await axe.run(document, { resultTypes: ['violations'], rules: { 'label-content-name-mismatch': { enabled: false } } });
    return r.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary ?? ''}`).join('; ')}`);
}

/** Tabs through the page and returns the controls that showed no focus indicator. */
async function unfocusedControls(maxTabs = 40): Promise<string[]> {
  const missing: string[] = [];
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab');
    const r = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
      return { visible, what: `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"` };
    });
    if (r && !r.visible) missing.push(r.what);
  }
  return missing;
}

const SCREENS: { nav: string; ready: (p: Page) => Promise<unknown> }[] = [
  { nav: 'Calendar', ready: (p) => p.getByRole('grid', { name: 'Backups in May 2023' }).waitFor() },
  { nav: 'Backup now', ready: (p) => p.getByRole('button', { name: 'Start backup' }).waitFor() },
  { nav: 'Restore', ready: (p) => p.getByRole('heading', { name: /^Restore: / }).waitFor() },
  { nav: 'Partial recovery', ready: (p) => p.getByRole('heading', { name: /^Partial recovery: / }).waitFor() },
  { nav: 'Schedules', ready: (p) => p.getByRole('heading', { name: /^Schedule for / }).waitFor() },
  { nav: 'Activity', ready: (p) => p.getByRole('heading', { name: 'Activity', exact: true }).waitFor() },
  { nav: 'Reports', ready: (p) => p.getByRole('heading', { name: /Status of the last/ }).waitFor() },
  { nav: 'Settings', ready: (p) => p.getByRole('button', { name: 'Add a database' }).waitFor() },
];

describe('accessibility of every screen', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`passes axe with no serious or critical violations, in ${scheme}`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(harness.url);
      // shop has a backup, so the screens show rows, badges and the calendar's coloured days.
      await page.getByRole('navigation', { name: 'Databases' }).getByRole('button', { name: /^shop, / }).click();
      const problems: string[] = [];
      for (const s of SCREENS) {
        await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: new RegExp(`^${s.nav}`) }).click();
        await s.ready(page);
        // Let listings and previews that load on entry settle before scanning.
        await page.waitForLoadState('networkidle');
        problems.push(...(await scan()).map((p) => `${s.nav}: ${p}`));
      }
      // The list view, the jobs tray and the shortcuts dialog are screens of their own.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Calendar' }).click();
      await page.getByRole('button', { name: 'List view' }).click();
      await page.getByRole('table', { name: 'Matching backups, newest first' }).waitFor();
      problems.push(...(await scan()).map((p) => `List view: ${p}`));
      await page.getByRole('button', { name: /^Jobs / }).click();
      await page.getByRole('region', { name: 'Running jobs' }).waitFor();
      problems.push(...(await scan()).map((p) => `Jobs tray: ${p}`));
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      problems.push(...(await scan()).map((p) => `Shortcuts dialog: ${p}`));
      await page.keyboard.press('Escape');
      expect(problems).toEqual([]);
    });
  }

  it('the first-run guide passes axe too, in light and dark', async () => {
    const empty = await startHarness({ ...process.env, ...(await tempHome()) });
    try {
      const problems: string[] = [];
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(empty.url);
        await page.getByRole('heading', { name: 'Welcome to Lifeboat' }).waitFor();
        problems.push(...(await scan()).map((p) => `First run (${scheme}): ${p}`));
        await page.getByRole('checkbox', { name: 'Reach through SSH' }).check();
        await page.getByRole('textbox', { name: 'SSH server' }).waitFor();
        problems.push(...(await scan()).map((p) => `First run, SSH fields (${scheme}): ${p}`));
      }
      expect(problems).toEqual([]);
    } finally {
      await empty.stop();
    }
  });

  it('the theme override wins over the OS, and is kept across reloads', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(harness.url);
    await page.getByRole('group', { name: 'Theme' }).getByRole('button', { name: 'Theme: dark' }).click();
    const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(await bg()).toBe('rgb(22, 24, 28)');
    expect(await scan()).toEqual([]);
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(await bg()).toBe('rgb(22, 24, 28)');
    await page.getByRole('group', { name: 'Theme' }).getByRole('button', { name: 'Theme: follow the system' }).click();
    expect(await bg()).toBe('rgb(246, 247, 249)');
  });

  it('focus is visible on every control Tab reaches; the dialog keeps focus inside until Escape', async () => {
    await page.goto(harness.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Calendar' }).click();
    await page.getByRole('grid').waitFor();
    expect(await unfocusedControls()).toEqual([]);

    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });
});
