// `npm run bench:ui`: the desktop UI with 10,000 backups in a bucket on Ceph RGW (the real S3 server
// of test/support/rgw.ts, a private cluster started here), measured in Chromium through the browser
// harness (the real engine in its own process, listing the real S3 server):
//   - listing 10,000 keys from RGW (the storage layer alone, and the app's backups.list);
//   - the calendar's first paint after listing (navigation → populated month grid);
//   - switching months (click → new grid painted), target < 50 ms;
//   - opening a day with 50 backups (click → its table of 50 rows painted);
//   - the jobs tray open while 5 real backups run at once (PostgreSQL 15 → pg_dump → RGW) and their
//     progress events stream into the page: frame times from requestAnimationFrame deltas, target
//     p95 < 16 ms (one frame at 60 Hz), plus long animation frames where Chromium reports them.
// Medians to docs/benchmarks.md.
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
import { startCluster } from '../test/support/pg-cluster.js';
import { startS3Server } from '../test/support/s3-server.js';
import { buildBenchDatabase } from './support/bench-database.js';
import { median } from './support/measure.js';
import { findRepoRoot, writeBenchSection } from './support/report.js';
import { measureDayOpens, measureMonthSwitches, measureTrayFrames, type TrayFrames } from './support/ui-page-measures.js';

const { values } = parseArgs({
  options: {
    backups: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    switches: { type: 'string', default: '24' },
    opens: { type: 'string', default: '10' },
    jobs: { type: 'string', default: '5' },
    'tray-db-mb': { type: 'string', default: '96' },
  },
});
const COUNT = Number(values.backups);
const RUNS = Number(values.runs);
const SWITCHES = Number(values.switches);
const OPENS = Number(values.opens);
const JOBS = Number(values.jobs);
const TRAY_DB_MIB = Number(values['tray-db-mb']);
/** The day that holds exactly 50 backups (after the generated range, which ends on 24 November). */
const BUSY_DAY = { y: 2026, m: 10, d: 30, label: '30 November 2026' };
const BUSY_DAY_BACKUPS = 50;
/** One frame at 60 Hz, plus the jitter of requestAnimationFrame timestamps. */
const FRAME_BUDGET_MS = 1000 / 60 + 1;
const repoRoot = findRepoRoot(import.meta.dirname);
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const ms = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);
const met = (v: number, target: number): string => (v < target ? 'met' : 'NOT met');

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const loadAtStart = os.loadavg()[0] ?? NaN;
const work = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-bench-ui-'));
const [s3, pg] = await Promise.all([startS3Server(), startCluster({ major: 15 })]);
try {
  await s3.createBucket('bench');
  // 10,000 backups over the last ~3 years, about nine a day, in the seed's layout; and one day with 50.
  log(`writing ${COUNT} + ${BUSY_DAY_BACKUPS} backups to RGW…`);
  const end = Date.UTC(2026, 10, 24, 23, 0, 0);
  const keys = Array.from({ length: COUNT }, (_, i) => buildBackupKey({ prefix: 'database_backups', dbName: 'shop', startedAt: new Date(end - i * 2.6 * 3600_000), format: i % 2 ? 'plain' : 'custom' }));
  for (let i = 0; i < BUSY_DAY_BACKUPS; i++) keys.push(buildBackupKey({ prefix: 'database_backups', dbName: 'shop', startedAt: new Date(Date.UTC(BUSY_DAY.y, BUSY_DAY.m, BUSY_DAY.d, 1, i * 20, 0)), format: 'custom' }));
  const total = keys.length;
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        await s3.client.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: 'x' }));
      }
    }),
  );
  log(`building the ~${TRAY_DB_MIB} MiB database the tray's backups read…`);
  const trayDbBytes = await buildBenchDatabase(pg, 'tray', TRAY_DB_MIB);

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
    if (n !== total) throw new Error(`listed ${n} keys, expected ${total}`);
  }

  // The app: a target pointing at the bucket (its database is never contacted for the calendar).
  await mkdir(env.LIFEBOAT_HOME, { recursive: true });
  // (A profile, as `lifeboat profile add` writes it; no secrets, so no keychain is needed.)
  await addProfile(env, 'bench', { dbUrl: 'postgresql://postgres@127.0.0.1:9/shop', storageUrl });
  const harness = await startHarness(env);
  const browser = await openBrowser();
  try {
    const token = new URL(harness.url).searchParams.get('token') ?? '';
    const call = async <T>(name: string, request: unknown): Promise<T> => {
      const r = (await (await fetch(`${harness.origin}/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lifeboat-token': token }, body: JSON.stringify(request) })).json()) as { ok: true; value: T } | { ok: false; error: { message: string } };
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
      return r.value;
    };
    const apiTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      apiTimes.push(await timed(async () => {
        const r = await call<{ backups: unknown[] }>('backups.list', { targetId: 'bench' });
        if (r.backups.length !== total) throw new Error('backups.list did not return every backup');
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

    const switchTimes = await measureMonthSwitches(page, SWITCHES);
    // Back on November, then open the day with 50 backups (and another day in between, so each open renders the table anew).
    await page.getByRole('grid', { name: 'Backups in November 2026' }).waitFor();
    const openTimes = await measureDayOpens(page, { day: BUSY_DAY.label, rows: BUSY_DAY_BACKUPS, other: '24 November 2026', times: OPENS });

    // The jobs tray: JOBS databases (the same PostgreSQL database under JOBS targets, each with its
    // own prefix), backed up at once; the tray open while their progress streams in.
    const trayRuns: TrayFrames[] = [];
    for (let run = 0; run < RUNS; run++) {
      for (let j = 1; j <= JOBS; j++) await call('targets.save', { name: `tray-${run}-${j}`, dbUrl: pg.url('tray'), storageUrl: s3.storageUrl('bench', `tray/${run}/${j}`) });
      const started = await Promise.all(Array.from({ length: JOBS }, (_, j) => call<{ id: string }>('backup.start', { targetId: `tray-${run}-${j + 1}`, label: null, pin: false, format: 'custom' })));
      const frames = await measureTrayFrames(page, JOBS, FRAME_BUDGET_MS);
      trayRuns.push(frames);
      log(`tray run ${run + 1}: ${frames.frames} frames over ${ms(frames.windowMs)} with ${frames.progressUpdates} progress updates; p95 ${ms(frames.p95)}`);
      // Let every backup end before the next run (or before closing).
      for (;;) {
        const { running } = await call<{ running: { id: string }[] }>('jobs.list', {});
        if (!running.some((r) => started.some((s) => s.id === r.id))) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await page.keyboard.press('Escape');
    }

    const mList = median(listTimes);
    const mApi = median(apiTimes);
    const mFirst = median(firstPaint);
    const mSwitch = median(switchTimes);
    const mOpen = median(openTimes);
    const trayP95 = median(trayRuns.map((t) => t.p95));
    const trayP50 = median(trayRuns.map((t) => t.p50));
    const trayMax = Math.max(...trayRuns.map((t) => t.max));
    const trayWindow = median(trayRuns.map((t) => t.windowMs));
    const trayDropped = trayRuns.reduce((n, t) => n + t.dropped, 0);
    const trayFrames = trayRuns.reduce((n, t) => n + t.frames, 0);
    const trayUpdates = median(trayRuns.map((t) => t.progressUpdates));
    const loaf = trayRuns[0]?.longFrames === null ? 'not reported by this Chromium' : `${median(trayRuns.map((t) => t.longFrames ?? 0))} per run (median), longest ${ms(Math.max(...trayRuns.map((t) => t.longestFrame ?? 0)))}`;
    const loadAtEnd = os.loadavg()[0] ?? NaN;
    const md = `## UI (\`npm run bench:ui\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine, shared with other jobs (noisy: 1-minute load average
${loadAtStart.toFixed(1)} when the run started, ${loadAtEnd.toFixed(1)} when it ended, on 2 cores): Ceph RGW
(test/support/rgw.ts, a private single-node cluster on loopback) holding ${total.toLocaleString('en')} backups (seed layout, ~9 a day over
three years, plus one day with ${BUSY_DAY_BACKUPS}), the browser harness (\`npm run web\`, the engine in its own process) and Debian's
Chromium (headless, 1280×860) via playwright-core. Medians of ${RUNS} runs (${SWITCHES} month switches, ${OPENS} day opens).

| measure | median | target |
| --- | --- | --- |
| list ${total.toLocaleString('en')} keys from RGW (storage layer, ListObjectsV2) | ${ms(mList)} | |
| \`backups.list\` over the HTTP bridge (list, parse keys, filter; JSON to the page) | ${ms(mApi)} | |
| first calendar: navigation → month grid painted with the listing | ${ms(mFirst)} | < 3 s: ${met(mFirst, 3000)} |
| month switch: click → new month painted | ${ms(mSwitch)} | < 50 ms: ${met(mSwitch, 50)} |
| open a day with ${BUSY_DAY_BACKUPS} backups: click → its table of ${BUSY_DAY_BACKUPS} rows painted | ${ms(mOpen)} | |
| jobs tray, ${JOBS} backups running: frame time p95 (requestAnimationFrame deltas) | ${ms(trayP95)} | one 60 Hz frame (≤ ${ms(FRAME_BUDGET_MS)}): ${trayP95 <= FRAME_BUDGET_MS ? 'met' : 'NOT met'} |
| jobs tray, ${JOBS} backups running: frame time median / worst | ${ms(trayP50)} / ${ms(trayMax)} | |
| jobs tray, ${JOBS} backups running: frames that took longer than one frame (> ${ms(FRAME_BUDGET_MS)}) | ${trayDropped} of ${trayFrames} (${((100 * trayDropped) / Math.max(1, trayFrames)).toFixed(1)} %) | |

How the tray is measured: ${JOBS} real backups (PostgreSQL 15, pg_dump -Fc of a ${(trayDbBytes / 1024 / 1024).toFixed(0)} MiB database, uploaded to RGW)
started at once through the harness, the tray open; frames are counted from the moment all ${JOBS} show in the tray until the first
ends (median window ${ms(trayWindow)}, ${trayUpdates} progress updates painted in it). No progress is injected: the events are the
engine's own (throttled to 4 a second per job), relayed over the harness's event stream. The backups themselves share the two cores
with Chromium. The issue's target reads "p95 < 16 ms"; requestAnimationFrame deltas cannot go below the display's frame interval
(16.7 ms at 60 Hz, so a perfect run measures 16.7 ms at every percentile), so the target is taken as "p95 within one frame":
≤ ${ms(FRAME_BUDGET_MS)} (16.7 ms plus 1 ms of timer jitter). Long animation frames (> 50 ms, PerformanceObserver \`long-animation-frame\`): ${loaf}.

The listing is grouped by day once when it arrives, so a month switch only renders 42 cells from a map. Progress ticks re-render
only what shows progress: the calendar and the day's table select just what they show of the jobs (the days with failed backups,
each row's verification state), tested by render count in test/components/narrow-selectors.test.tsx.
These backups have no manifests (as the seed's scripts write them); for Lifeboat's own backups the first listing also reads each
manifest (16 at a time), and the app keeps them cached by size and date afterwards.

The event-loop delay of the process that relays to the window during a backup (the "process split") is measured by
\`npm run bench:engine\`: see [Engine process](#engine-process).`;
    const file = await writeBenchSection(repoRoot, 'ui', md);
    log(md);
    log(`written to ${file}`);
  } finally {
    await browser.close();
    await harness.stop();
  }
} finally {
  await Promise.all([s3.stop(), pg.stop()]);
  await rm(work, { recursive: true, force: true });
}
