// npm run bench:backup [-- --size-mb 1024 --runs 3 --no-double]
// Builds a database, then measures side by side, round-robin, several times each:
//   (a) pg_dump -Fc -f file            — the floor: pg_dump alone, to local disk
//   (b) lifeboat backup (custom) to S3 — pg_dump -Z0 → compression workers (default: cores − 1) → hash → multipart upload
//   (b1), (b2) the same with --compress-workers 1 and 2; (b0) with --compress-workers 0 (pg_dump compresses, single-threaded)
//   (b') lifeboat backup --format plain
//   (c) the seed's sequential way      — pg_dump plain to a file, gzip it, then upload it
//   (e) lifeboat backup --profile with client-side encryption (custom format, key in the keychain)
// and lifeboat's peak RSS at the database size and at twice that size.
import { rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measure, median, type Measurement } from './support/measure.js';
import { buildBenchDatabase } from './support/bench-database.js';
import { writeBenchSection } from './support/report.js';
import { log, mib, setUpBench } from './support/bench-setup.js';

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    'no-double': { type: 'boolean', default: false },
  },
});
const sizeMiB = Number(values['size-mb']);
const runs = Number(values.runs);
const PG_DUMP = '/usr/lib/postgresql/15/bin/pg_dump';

const bench = await setUpBench('backup', sizeMiB, import.meta.dirname);
const { repoRoot, cli, work, pg, s3, dbBytes, env } = bench;
try {
  const to = s3.storageUrl('bench');
  // The encrypted variant goes through a profile, as users run it: password-less URL, key in the keychain.
  const benchKeychain = { ...env, LIFEBOAT_KEYCHAIN_SERVICE: `lifeboat-bench-${process.pid}` };
  await measure(process.execPath, [cli, 'profile', 'add', 'bench-enc', '--db', pg.url('bench'), '--to', to, '--encrypt'], benchKeychain);

  type Variant = { name: string; run: () => Promise<Measurement> };
  const variants: Variant[] = [
    { name: 'a', run: () => measure(PG_DUMP, ['-Fc', `--file=${path.join(work, 'a.dump')}`, `--dbname=${pg.url('bench')}`]) },
    { name: 'b', run: () => measure(process.execPath, [cli, 'backup', '--db', pg.url('bench'), '--to', to, '--json'], env) },
    { name: 'b1', run: () => measure(process.execPath, [cli, 'backup', '--db', pg.url('bench'), '--to', to, '--compress-workers', '1', '--json'], env) },
    { name: 'b2', run: () => measure(process.execPath, [cli, 'backup', '--db', pg.url('bench'), '--to', to, '--compress-workers', '2', '--json'], env) },
    { name: 'b0', run: () => measure(process.execPath, [cli, 'backup', '--db', pg.url('bench'), '--to', to, '--compress-workers', '0', '--json'], env) },
    { name: 'e', run: () => measure(process.execPath, [cli, 'backup', '--profile', 'bench-enc', '--json'], benchKeychain) },
    { name: 'bp', run: () => measure(process.execPath, [cli, 'backup', '--db', pg.url('bench'), '--to', to, '--format', 'plain', '--json'], env) },
    {
      name: 'c',
      run: () => measure(process.execPath, [path.join(import.meta.dirname, 'support', 'seed-sequential.js'), pg.url('bench'), work, 'bench', s3.endpoint], env),
    },
  ];
  const results: Record<string, Measurement[]> = {};
  const sizes: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    // Rotate the order so no variant always runs first (cold cache) or last.
    const order = [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)];
    for (const v of order) {
      const m = await v.run();
      (results[v.name] ??= []).push(m);
      const size = v.name === 'a' ? (await stat(path.join(work, 'a.dump'))).size : v.name === 'c' ? null : (JSON.parse(m.stdout) as { size: number }).size;
      if (size !== null) (sizes[v.name] ??= []).push(size);
      log(`run ${i + 1} ${v.name}: ${(m.wallMs / 1000).toFixed(1)} s, peak RSS ${m.peakRssMiB.toFixed(0)} MiB`);
      await rm(path.join(work, 'a.dump'), { force: true });
      // Lifeboat refuses to overwrite a key from the same second; keys are per second.
      await new Promise((r) => setTimeout(r, 1100));
    }
  }

  let double: { dbBytes: number; rss: number; wall: number } | null = null;
  if (!values['no-double']) {
    log(`building a ~${sizeMiB * 2} MiB database for the memory check…`);
    const bytes2 = await buildBenchDatabase(pg, 'bench2x', sizeMiB * 2);
    const ms: Measurement[] = [];
    for (let i = 0; i < runs; i++) {
      ms.push(await measure(process.execPath, [cli, 'backup', '--db', pg.url('bench2x'), '--to', to, '--json'], env));
      log(`2x run ${i + 1}: ${((ms.at(-1)?.wallMs ?? 0) / 1000).toFixed(1)} s, peak RSS ${ms.at(-1)?.peakRssMiB.toFixed(0)} MiB`);
      await new Promise((r) => setTimeout(r, 1100));
    }
    double = { dbBytes: bytes2, rss: median(ms.map((m) => m.peakRssMiB)), wall: median(ms.map((m) => m.wallMs)) };
  }

  const wall = (n: string): number => median((results[n] ?? []).map((m) => m.wallMs));
  const rss = (n: string): number => median((results[n] ?? []).map((m) => m.peakRssMiB));
  const dumpRss = (n: string): number => median((results[n] ?? []).map((m) => m.childPeakMiB.pg_dump ?? 0));
  const ratioBA = wall('b') / wall('a');
  const ratioB2A = wall('b2') / wall('a');
  const ratioB1A = wall('b1') / wall('a');
  const ratioB0A = wall('b0') / wall('a');
  const size = (n: string): number => median(sizes[n] ?? []);
  const sizeRatio = size('b1') / size('a');
  const defaultWorkers = Math.max(1, availableParallelism() - 1);
  const ratioEB = wall('e') / wall('b');
  const ratioBC = wall('b') / wall('c');
  const ratioBpC = wall('bp') / wall('c');
  const ok = (b: boolean): string => (b ? 'met' : '**missed**');
  const row = (label: string, n: string): string =>
    `| ${label} | ${(wall(n) / 1000).toFixed(1)} s | ${rss(n).toFixed(0)} MiB | ${n === 'c' ? '–' : `${dumpRss(n).toFixed(0)} MiB`} |`;
  const md = `## Backup (\`npm run bench:backup -- --size-mb ${sizeMiB} --runs ${runs}\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine (shared, noisy), PostgreSQL 15 and pg_dump 15 on loopback,
Ceph RGW (single-node, loopback) as the S3 endpoint. Database: ${mib(dbBytes)} on disk (pgbench tables + a text-heavy table). Medians of ${runs} runs per variant, run round-robin.

| variant | wall time | peak RSS (top process) | peak RSS of pg_dump |
| --- | --- | --- | --- |
${row('(a) `pg_dump -Fc -f file` (the RSS column is pg_dump itself)', 'a')}
${row(`(b) \`lifeboat backup\` (custom format) to S3, default: ${defaultWorkers} compression worker${defaultWorkers === 1 ? '' : 's'}`, 'b')}
${row('(b1) `lifeboat backup --compress-workers 1`', 'b1')}
${row('(b2) `lifeboat backup --compress-workers 2`', 'b2')}
${row('(b0) `lifeboat backup --compress-workers 0` (pg_dump compresses, as before)', 'b0')}
${row("(b') `lifeboat backup --format plain` to S3", 'bp')}
${row('(e) `lifeboat backup --profile` encrypted (custom format, AES-256-GCM) to S3', 'e')}
${row('(c) seed: `pg_dump` plain to file, `gzip`, upload', 'c')}

| target | figure | |
| --- | --- | --- |
| (b2)/(a) ≤ 0.6 (2 workers) | ${ratioB2A.toFixed(2)} | ${ok(ratioB2A <= 0.6)} |
| (b1)/(a), 1 worker (the scaling) | ${ratioB1A.toFixed(2)} | |
| (b)/(a) ≤ 1.0 (default, ${defaultWorkers} worker${defaultWorkers === 1 ? '' : 's'}) | ${ratioBA.toFixed(2)} | ${ok(ratioBA <= 1)} |
| (b0)/(a), pg_dump compressing (the old path) | ${ratioB0A.toFixed(2)} | |
| stored size (b1)/(a) ≤ 1.05 | ${sizeRatio.toFixed(3)} (${mib(size('b1'))} vs ${mib(size('a'))}; (b2) ${mib(size('b2'))}, (b0) ${mib(size('b0'))}) | ${ok(sizeRatio <= 1.05)} |
| encryption overhead (e)/(b) ≤ 1.10 | ${ratioEB.toFixed(2)} | ${ok(ratioEB <= 1.1)} |
| (b) faster than (c) | (b)/(c) = ${ratioBC.toFixed(2)}; same format, (b')/(c) = ${ratioBpC.toFixed(2)} | ${ok(ratioBC < 1)} |
| Lifeboat peak RSS ≤ 200 MB | ${rss('b').toFixed(0)} MiB (custom), ${rss('b1').toFixed(0)} MiB (1 worker), ${rss('b2').toFixed(0)} MiB (2 workers), ${rss('bp').toFixed(0)} MiB (plain), ${rss('e').toFixed(0)} MiB (encrypted) | ${ok(Math.max(rss('b'), rss('b1'), rss('b2'), rss('bp'), rss('e')) <= 200)} |
${double ? `| no higher at twice the size | ${rss('b').toFixed(0)} MiB at ${mib(dbBytes)} vs ${double.rss.toFixed(0)} MiB at ${mib(double.dbBytes)} (wall ${(double.wall / 1000).toFixed(1)} s) | ${ok(double.rss <= rss('b') * 1.1 + 5)} |` : '| no higher at twice the size | not run (--no-double) | |'}
`;
  const file = await writeBenchSection(repoRoot, 'backup', md);
  log(md);
  log(`written to ${file}`);
} finally {
  await bench.close();
}
