// npm run bench:drill [-- --small-mb 50 --large-mb 200 --runs 3]
// Restore drills at two database sizes: each size is backed up once with `lifeboat backup` to a
// local S3 server (Ceph RGW), then drilled several times with `lifeboat verify --deep` into a
// temporary database on the same PostgreSQL 15 (round-robin between the sizes). Reports, from the
// verify records, the recovery time (first byte fetched → restore done) and its restore part, the
// whole drill's wall time (with the row-count comparison and the drop), and seconds per GiB.
import { parseArgs } from 'node:util';
import type { DrillMeasures, VerifyRecord } from '../shared/verify-record.js';
import { buildBenchDatabase } from './support/bench-database.js';
import { log, mib, setUpBench } from './support/bench-setup.js';
import { measure, median } from './support/measure.js';
import { writeBenchSection } from './support/report.js';

const { values } = parseArgs({
  options: {
    'small-mb': { type: 'string', default: '50' },
    'large-mb': { type: 'string', default: '200' },
    runs: { type: 'string', default: '3' },
  },
});
const smallMiB = Number(values['small-mb']);
const largeMiB = Number(values['large-mb']);
const runs = Number(values.runs);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const bench = await setUpBench('drill', smallMiB, import.meta.dirname);
const { repoRoot, cli, pg, s3, env } = bench;
try {
  log(`building the large database (~${largeMiB} MiB)…`);
  const largeBytes = await buildBenchDatabase(pg, 'bench_large', largeMiB);
  const to = s3.storageUrl('bench');
  const sizes = [
    { name: 'small', db: 'bench', dbBytes: bench.dbBytes },
    { name: 'large', db: 'bench_large', dbBytes: largeBytes },
  ];
  const keys = new Map<string, { key: string; size: number }>();
  for (const s of sizes) {
    const out = await measure(process.execPath, [cli, 'backup', '--db', pg.url(s.db), '--to', to, '--json'], env);
    keys.set(s.name, JSON.parse(out.stdout) as { key: string; size: number });
  }
  const drills: Record<string, { wallMs: number; drill: DrillMeasures }[]> = {};
  for (let i = 0; i < runs; i++) {
    for (const s of i % 2 ? [...sizes].reverse() : sizes) {
      const { key } = keys.get(s.name)!;
      const m = await measure(process.execPath, [cli, 'verify', '--key', key, '--to', to, '--deep', '--server', pg.url(), '--json'], env);
      const record = JSON.parse(m.stdout) as VerifyRecord;
      if (record.outcome !== 'passed' || !record.drill) throw new Error(`drill of ${key} did not pass: ${record.problem ?? ''}`);
      (drills[s.name] ??= []).push({ wallMs: m.wallMs, drill: record.drill });
      log(`run ${i + 1} ${s.name}: recovery ${secs(record.drill.recoveryMs)}, drill ${secs(m.wallMs)}`);
    }
  }
  const left = await pg.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_%'`);
  const med = (name: string, f: (d: { wallMs: number; drill: DrillMeasures }) => number): number => median((drills[name] ?? []).map(f));
  const row = (s: (typeof sizes)[number]): string => {
    const backupSize = keys.get(s.name)?.size ?? 0;
    const rec = med(s.name, (d) => d.drill.recoveryMs);
    return `| ${s.name} | ${mib(s.dbBytes)} | ${mib(backupSize)} | ${secs(rec)} | ${secs(med(s.name, (d) => d.drill.restoreMs))} | ${secs(med(s.name, (d) => d.wallMs))} | ${(rec / 1000 / (s.dbBytes / 1024 ** 3)).toFixed(0)} s |`;
  };
  const [small, large] = sizes as [(typeof sizes)[number], (typeof sizes)[number]];
  const ratio = med('large', (d) => d.drill.recoveryMs) / med('small', (d) => d.drill.recoveryMs);
  const md = `## Drill times (\`npm run bench:drill -- --small-mb ${smallMiB} --large-mb ${largeMiB} --runs ${runs}\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine (shared, noisy): PostgreSQL 15 on loopback, Ceph RGW
(single-node, loopback) as the S3 endpoint, the benchmark database (pgbench tables + a text-heavy table) at two sizes. Each drill is
\`lifeboat verify --deep\`: download the backup (checked against its SHA-256), restore it into a temporary database, compare every
table's row count with the manifest, drop the database. Recovery time is what the drill records (first byte fetched → restore done),
the figure \`lifeboat report\` tracks against a schedule's \`--rto\`. Medians of ${runs} drills per size, round-robin.

| size | database on disk | backup | recovery time | of which pg_restore | whole drill (wall) | recovery per GiB of database |
| --- | --- | --- | --- | --- | --- | --- |
${row(small)}
${row(large)}

Recovery time large ÷ small: ${ratio.toFixed(2)} for ${(large.dbBytes / small.dbBytes).toFixed(1)}× the data. Temporary databases left after all drills: ${left.length}.
`;
  const out = await writeBenchSection(repoRoot, 'drill', md);
  log(md);
  log(`written to ${out}`);
} finally {
  await bench.close();
}
