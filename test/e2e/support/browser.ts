// Debian's Chromium driven by playwright-core (no browser download), in a fresh profile.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.LIFEBOAT_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

// Every run takes the screenshots (so each screen renders in a real browser); only
// `npm run screenshots` (LIFEBOAT_UPDATE_SCREENSHOTS=1) writes them over the README's copies.
const parts = import.meta.dirname.split(`${path.sep}dist${path.sep}`);
const root = parts.length > 1 ? (parts[0] ?? '') : path.resolve(import.meta.dirname, '../../..');
export const SCREENSHOTS = process.env.LIFEBOAT_UPDATE_SCREENSHOTS === '1' ? path.join(root, 'docs', 'screenshots') : path.join(os.tmpdir(), 'lifeboat-screenshots');

/** Two pictures of the page as it is: `<name>.png` in the light theme and `<name>-dark.png` in the dark one. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const wasDark = (await page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")) === true;
  // A full-page picture draws the sticky sidebar and header where the window is scrolled to: from
  // the top they sit where a person sees them. Clicking a row lower down scrolls the window.
  const scrolledTo = await page.evaluate('window.scrollY');
  await page.evaluate('window.scrollTo(0, 0)');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}${scheme === 'dark' ? '-dark' : ''}.png`), fullPage: true, animations: 'disabled' });
  }
  await page.emulateMedia({ colorScheme: wasDark ? 'dark' : 'light' });
  await page.evaluate(`window.scrollTo(0, ${Number(scrolledTo) || 0})`);
}
