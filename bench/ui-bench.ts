// `npm run bench:ui`: the desktop UI with 10,000 backups in an S3 bucket, measured in Chromium
// through the browser harness (the real engine listing the real S3 server):
//   - listing 10,000 keys from the S3 server (the storage layer alone, and the app's backups.list);
//   - the calendar's first paint after listing (navigation → populated month grid);
//   - switching months (click → new grid painted).
// Targets: month switch < 100 ms, first calendar < 3 s on loopback. Medians to docs/benchmarks.md.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildBackupKey } from '../shared/backup-key.js';
import { addProfile } from '../electron/engine/profiles/profiles.js';
import { openStorage } from '../electron/engine/storage/open-storage.js';
import { parseStorageTarget } from '../electron/engine/storage/target.js';
import { openBrowser } from '../test/e2e/support/browser.js';
import { startHarness } from '../test/e2e/support/harness.js';
import { startS3Server } from '../test/support/s3-server.js';
import { median } from './support/measure.js';
import { findRepoRoot, writeBenchSection } from './support/report.js';

const { values } = parseArgs({ options: { backups: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' }, switches: { type: 'string', default: '24' } } });
const COUNT = Number(values.backups);
const RUNS = Number(values.runs);
const SWITCHES = Number(values.switches);
const repoRoot = findRepoRoot(import.meta.dirname);
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const ms = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const work = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-ui-'));
const s3 = await startS3Server();
try {
  await s3.createBucket('bench');
  // 10,000 backups over the last ~3 years, about nine a day, in the seed's layout.
  log(`writing ${COUNT} backups to the S3 server…`);
  const end = Date.UTC(2026, 10, 24, 23, 0, 0);
  const keys = Array.from({ length: COUNT }, (_, i) => buildBackupKey({ prefix: 'database_backups', dbName: 'shop', startedAt: new Date(end - i * 2.6 * 3600_000), format: i % 2 ? 'plain' : 'custom' }));
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        await s3.client.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: 'x' }));
      }
    }),
  );

  const env = { ...process.env, ...s3.env, LIFEBOAT_HOME: path.join(work, 'home'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const storageUrl = s3.storageUrl('bench');

  // Listing 10,000 keys: the storage layer alone (ListObjectsV2, 1,000 per page).
  const storage = openStorage(parseStorageTarget(storageUrl, env));
  const listTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let n = 0;
    listTimes.push(await timed(async () => {
      for await (const _o of storage.list('database_backups/')) n++;
    }));
    if (n !== COUNT) throw new Error(`listed ${n} keys, expected ${COUNT}`);
  }

  // The app: a target pointing at the bucket (the database is never contacted here).
  await mkdir(env.LIFEBOAT_HOME, { recursive: true });
  // (A profile, as `lifeboat profile add` writes it; no secrets, so no keychain is needed.)
  await addProfile(env, 'bench', { dbUrl: 'postgresql://postgres@127.0.0.1:9/shop', storageUrl });
  const harness = await startHarness(env);
  const browser = await openBrowser();
  try {
    const token = new URL(harness.url).searchParams.get('token') ?? '';
    const apiTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      apiTimes.push(await timed(async () => {
        const r = (await (await fetch(`${harness.origin}/api/call/backups.list`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lifeboat-token': token }, body: '{"targetId":"bench"}' })).json()) as { ok: boolean; value: { backups: unknown[] } };
        if (!r.ok || r.value.backups.length !== COUNT) throw new Error('backups.list did not return every backup');
      }));
    }

    // First calendar: from navigation to a month grid showing the listing.
    const page = browser.page;
    const firstPaint: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await page.goto('about:blank');
      firstPaint.push(await timed(async () => {
        await page.goto(harness.url);
        await page.getByRole('gridcell', { name: /^24 November 2026: 9 backups/ }).waitFor();
        await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      }));
    }

    // Month switch, measured inside the page: click → the new month's grid is in the DOM and painted.
    // (In-page code as a string: this file is compiled without DOM types.)
    const switchTimes = await page.evaluate<number[]>(`(async (n) => {
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
    })(${SWITCHES})`);

    const mList = median(listTimes);
    const mApi = median(apiTimes);
    const mFirst = median(firstPaint);
    const mSwitch = median(switchTimes);
    const md = `## UI (\`npm run bench:ui\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine (shared, noisy): Ceph RGW on loopback holding
${COUNT.toLocaleString('en')} backups (seed layout, ~9 a day over three years), the browser harness (\`npm run web\`) and
Debian's Chromium (headless) via playwright-core. Medians of ${RUNS} runs (${SWITCHES} month switches).

| measure | median | target |
| --- | --- | --- |
| list ${COUNT.toLocaleString('en')} keys from the S3 server (storage layer, ListObjectsV2) | ${ms(mList)} | |
| \`backups.list\` over the HTTP bridge (list, parse keys, filter; JSON to the page) | ${ms(mApi)} | |
| first calendar: navigation → month grid painted with the listing | ${ms(mFirst)} | < 3 s: ${mFirst < 3000 ? 'met' : 'NOT met'} |
| month switch: click → new month painted | ${ms(mSwitch)} | < 100 ms: ${mSwitch < 100 ? 'met' : 'NOT met'} |

The listing is grouped by day once when it arrives, so a month switch only renders 42 cells from a map.
These backups have no manifests (as the seed's scripts write them); for Lifeboat's own backups the
first listing also reads each manifest (16 at a time), and the app keeps them cached by size and date afterwards.`;
    const file = await writeBenchSection(repoRoot, 'ui', md);
    log(md);
    log(`written to ${file}`);
  } finally {
    await browser.close();
    await harness.stop();
  }
} finally {
  await s3.stop();
  await rm(work, { recursive: true, force: true });
}
