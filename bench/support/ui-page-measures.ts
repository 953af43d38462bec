// What bench:ui measures inside the page, as in-page code (strings: bench/ is compiled without DOM
// types). Each measure starts at a user's action and ends when the result is in the DOM and two
// animation frames later (so it is painted), timed with the page's own performance.now().
import type { Page } from 'playwright-core';

/** Click ‹ (the first half) or › (the second) n times: click → the new month's grid painted. */
export function measureMonthSwitches(page: Page, n: number): Promise<number[]> {
  return page.evaluate<number[]>(`(async (n) => {
    const out = [];
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    for (let i = 0; i < n; i++) {
      const before = document.querySelector('[role="grid"]')?.getAttribute('aria-label');
      const button = document.querySelector('button[aria-label="' + (i < n / 2 ? 'Previous month' : 'Next month') + '"]');
      const t0 = performance.now();
      button.click();
      while (document.querySelector('[role="grid"]')?.getAttribute('aria-label') === before) await new Promise((r) => setTimeout(r, 0));
      await frame();
      out.push(performance.now() - t0);
    }
    return out;
  })(${n})`);
}

/**
 * Open `day` (its cell's label starts with it) `times` times, opening `other` in between so that
 * each open renders the day's table anew: click → a table of `rows` backups painted.
 */
export function measureDayOpens(page: Page, o: { day: string; rows: number; other: string; times: number }): Promise<number[]> {
  return page.evaluate<number[]>(`(async (o) => {
    const out = [];
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const idle = () => new Promise((r) => setTimeout(r, 0));
    const cell = (label) => [...document.querySelectorAll('[role="gridcell"]')].find((c) => (c.getAttribute('aria-label') ?? '').startsWith(label + ':'));
    const bodyRows = (label) => document.querySelector('section[aria-label="Backups on ' + label + '"] table tbody')?.children.length ?? -1;
    for (let i = 0; i < o.times; i++) {
      cell(o.other).click();
      while (bodyRows(o.other) < 0) await idle();
      await frame();
      const t0 = performance.now();
      cell(o.day).click();
      while (bodyRows(o.day) !== o.rows) await idle();
      await frame();
      out.push(performance.now() - t0);
    }
    return out;
  })(${JSON.stringify(o)})`);
}

export interface TrayFrames {
  /** From all jobs showing in the tray to the first one leaving it (or the cap). */
  windowMs: number;
  frames: number;
  p50: number;
  p95: number;
  max: number;
  /** Frames whose delta exceeded the frame budget. */
  dropped: number;
  /** DOM mutation batches inside the tray during the window (progress painted). */
  progressUpdates: number;
  /** Long animation frames (> 50 ms) Chromium reported in the window; null when it does not report them. */
  longFrames: number | null;
  longestFrame: number | null;
}

/**
 * Opens the jobs tray, waits until `jobs` jobs show in it, then records requestAnimationFrame
 * deltas until one of them leaves (ends) or `capMs` passes.
 */
export async function measureTrayFrames(page: Page, jobs: number, budgetMs: number, capMs = 15_000): Promise<TrayFrames> {
  const toggle = page.locator('button[aria-controls="jobs-tray"]');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.locator('#jobs-tray').waitFor();
  return page.evaluate<TrayFrames>(`(async ({ jobs, budgetMs, capMs }) => {
    const idle = () => new Promise((r) => setTimeout(r, 10));
    const tray = document.getElementById('jobs-tray');
    const shown = () => tray.querySelectorAll('li.tray-job').length;
    const deadline = performance.now() + 120000;
    while (shown() < jobs) {
      if (performance.now() > deadline) throw new Error('the tray never showed ' + jobs + ' running jobs (it shows ' + shown() + ')');
      await idle();
    }
    let updates = 0;
    const mo = new MutationObserver(() => updates++);
    mo.observe(tray, { subtree: true, attributes: true, characterData: true, childList: true });
    const loafSupported = (PerformanceObserver.supportedEntryTypes ?? []).includes('long-animation-frame');
    const loafs = [];
    const po = loafSupported ? new PerformanceObserver((l) => loafs.push(...l.getEntries())) : null;
    po?.observe({ type: 'long-animation-frame' });
    const deltas = [];
    const t0 = performance.now();
    await new Promise((resolve) => {
      let last = null;
      const step = (t) => {
        if (last !== null) deltas.push(t - last);
        last = t;
        if (shown() < jobs || t - t0 > capMs) resolve();
        else requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    const windowMs = performance.now() - t0;
    mo.disconnect();
    po?.disconnect();
    const sorted = [...deltas].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
    return {
      windowMs,
      frames: deltas.length,
      p50: at(0.5),
      p95: at(0.95),
      max: sorted[sorted.length - 1] ?? NaN,
      dropped: deltas.filter((d) => d > budgetMs).length,
      progressUpdates: updates,
      longFrames: loafSupported ? loafs.length : null,
      longestFrame: loafSupported ? Math.max(0, ...loafs.map((e) => e.duration)) : null,
    };
  })(${JSON.stringify({ jobs, budgetMs, capMs })})`);
}
