// npm run bench:backup [-- --size-mb 256 --runs 3 --no-double]
// Issue 14's two databases, side by side in one run, each about --size-mb on disk:
//   mixed — pgbench's tables plus a text table (the benchmark database of before)
//   text  — md5 text only, which compresses like real data (compressing is most of what pg_dump -Fc does)
// For each, round-robin, several times:
//   (a)  pg_dump -Fc -f file            — the floor: pg_dump alone, to local disk
//   (b1) lifeboat backup --compress-workers 1 to S3 — pg_dump -Z0 → 1 worker → hash → multipart upload
//   (b2) the same with 2 workers; (b0) with --compress-workers 0 (pg_dump compresses, single-threaded)
// and on the mixed database also, as before:
//   (b) lifeboat's default workers, (b') --format plain, (e) an encrypted profile, (c) the seed's sequential way
// then Lifeboat's peak RSS with 2 workers at twice each database's size (flat is the target).
import { rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCompressWorkers } from '../electron/engine/compress/compress-pool.js';
import { measure, median, type Measurement } from './support/measure.js';
import { buildBenchDatabase, buildTextDatabase } from './support/bench-database.js';
import { writeBenchSection } from './support/report.js';
import { log, mib, setUpBench } from './support/bench-setup.js';
import { settle } from './support/settle.js';

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '256' },
    runs: { type: 'string', default: '3' },
    'no-double': { type: 'boolean', default: false },
  },
});
const sizeMiB = Number(values['size-mb']);
const runs = Number(values.runs);
const PG_DUMP = '/usr/lib/postgresql/15/bin/pg_dump';

const bench = await setUpBench('backup', sizeMiB, import.meta.dirname);
const { repoRoot, cli, work, pg, s3, env } = bench;
try {
  const to = s3.storageUrl('bench');
  log(`building a ~${sizeMiB} MiB text-heavy database…`);
  const databases = [
    { id: 'mixed', title: 'pgbench + text', db: 'bench', bytes: bench.dbBytes, build: buildBenchDatabase },
    { id: 'text', title: 'text-heavy (md5)', db: 'benchtext', bytes: await buildTextDatabase(pg, 'benchtext', sizeMiB), build: buildTextDatabase },
  ] as const;
  // The encrypted variant goes through a profile, as users run it: password-less URL, key in the keychain.
  const benchKeychain = { ...env, LIFEBOAT_KEYCHAIN_SERVICE: `lifeboat-bench-${process.pid}` };
  await measure(process.execPath, [cli, 'profile', 'add', 'bench-enc', '--db', pg.url('bench'), '--to', to, '--encrypt'], benchKeychain);

  const lifeboat = (db: string, args: string[]): (() => Promise<Measurement>) => () => measure(process.execPath, [cli, 'backup', '--db', pg.url(db), '--to', to, '--json', ...args], env);
  const dumpFile = path.join(work, 'a.dump');
  type Variant = { id: string; db: string; v: string; run: () => Promise<Measurement> };
  const variants: Variant[] = databases.flatMap(({ id, db }) => [
    { id, db, v: 'a', run: () => measure(PG_DUMP, ['-Fc', `--file=${dumpFile}`, `--dbname=${pg.url(db)}`]) },
    { id, db, v: 'b1', run: lifeboat(db, ['--compress-workers', '1']) },
    { id, db, v: 'b2', run: lifeboat(db, ['--compress-workers', '2']) },
    { id, db, v: 'b0', run: lifeboat(db, ['--compress-workers', '0']) },
  ]);
  variants.push(
    { id: 'mixed', db: 'bench', v: 'b', run: lifeboat('bench', []) },
    { id: 'mixed', db: 'bench', v: 'bp', run: lifeboat('bench', ['--format', 'plain']) },
    { id: 'mixed', db: 'bench', v: 'e', run: () => measure(process.execPath, [cli, 'backup', '--profile', 'bench-enc', '--json'], benchKeychain) },
    { id: 'mixed', db: 'bench', v: 'c', run: () => measure(process.execPath, [path.join(import.meta.dirname, 'support', 'seed-sequential.js'), pg.url('bench'), work, 'bench', s3.endpoint], env) },
  );

  const results: Record<string, Measurement[]> = {};
  const sizes: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    // Rotate the order so no variant always runs first (cold cache) or last.
    const order = [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)];
    for (const x of order) {
      const name = `${x.id}:${x.v}`;
      await settle(pg);
      const m = await x.run();
      (results[name] ??= []).push(m);
      const size = x.v === 'a' ? (await stat(dumpFile)).size : x.v === 'c' ? null : (JSON.parse(m.stdout) as { size: number }).size;
      if (size !== null) (sizes[name] ??= []).push(size);
      log(`run ${i + 1} ${name}: ${(m.wallMs / 1000).toFixed(1)} s, peak RSS ${m.peakRssMiB.toFixed(0)} MiB`);
      await rm(dumpFile, { force: true });
      // Lifeboat refuses to overwrite a key from the same second; keys are per second.
      await new Promise((r) => setTimeout(r, 1100));
    }
  }

  // Memory with the most workers, at twice each size: it must not grow with the database.
  const double: Record<string, { bytes: number; rss: number; wall: number }> = {};
  if (!values['no-double']) {
    for (const d of databases) {
      log(`building a ~${sizeMiB * 2} MiB ${d.id} database for the memory check…`);
      const bytes = await d.build(pg, `${d.db}2x`, sizeMiB * 2);
      const ms: Measurement[] = [];
      for (let i = 0; i < runs; i++) {
        ms.push(await lifeboat(`${d.db}2x`, ['--compress-workers', '2'])());
        log(`2x ${d.id} run ${i + 1}: ${((ms.at(-1)?.wallMs ?? 0) / 1000).toFixed(1)} s, peak RSS ${ms.at(-1)?.peakRssMiB.toFixed(0)} MiB`);
        await new Promise((r) => setTimeout(r, 1100));
      }
      double[d.id] = { bytes, rss: median(ms.map((m) => m.peakRssMiB)), wall: median(ms.map((m) => m.wallMs)) };
    }
  }

  const wall = (n: string): number => median((results[n] ?? []).map((m) => m.wallMs));
  const rss = (n: string): number => median((results[n] ?? []).map((m) => m.peakRssMiB));
  const size = (n: string): number => median(sizes[n] ?? []);
  const ratio = (id: string, v: string): number => wall(`${id}:${v}`) / wall(`${id}:a`);
  const ok = (b: boolean): string => (b ? 'met' : '**missed**');
  const defaultWorkers = defaultCompressWorkers();
  const cell = (n: string): string => (results[n] ? `${(wall(n) / 1000).toFixed(1)} s | ${rss(n).toFixed(0)} MiB` : '– | –');
  const row = (label: string, v: string): string => `| ${label} | ${cell(`mixed:${v}`)} | ${cell(`text:${v}`)} |`;
  const per = (f: (id: 'mixed' | 'text') => string): string => `${f('mixed')} | ${f('text')}`;
  const speedTarget = (id: 'mixed' | 'text'): number => (id === 'text' ? 0.6 : 1.0);
  const peak = (id: string): number => Math.max(rss(`${id}:b1`), rss(`${id}:b2`), rss(`${id}:b0`));
  const doubled = (id: string): string => {
    const d = double[id];
    return d ? `${rss(`${id}:b2`).toFixed(0)} MiB at ${mib(databases.find((x) => x.id === id)?.bytes ?? 0)} vs ${d.rss.toFixed(0)} MiB at ${mib(d.bytes)} ${ok(d.rss <= rss(`${id}:b2`) * 1.1 + 5)}` : 'not run (--no-double)';
  };
  const md = `## Backup (\`npm run bench:backup -- --size-mb ${sizeMiB} --runs ${runs}\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's ${availableParallelism()}-core machine (shared, noisy), PostgreSQL 15 and pg_dump 15 on loopback,
Ceph RGW (single-node, loopback) as the S3 endpoint. Two databases side by side in one run: **mixed**, ${mib(databases[0].bytes)} on disk
(pgbench tables + a text table), and **text-heavy**, ${mib(databases[1].bytes)} on disk (md5 text, which compresses about 2:1 like real data).
Medians of ${runs} runs per variant, all variants of both databases run round-robin. Peak RSS is Lifeboat's (or pg_dump's for (a)).

| variant | mixed: wall | peak RSS | text-heavy: wall | peak RSS |
| --- | --- | --- | --- | --- |
${row('(a) `pg_dump -Fc -f file`', 'a')}
${row('(b1) `lifeboat backup --compress-workers 1` to S3', 'b1')}
${row('(b2) `lifeboat backup --compress-workers 2`', 'b2')}
${row('(b0) `lifeboat backup --compress-workers 0` (pg_dump compresses)', 'b0')}
${row(`(b) \`lifeboat backup\`, default (${defaultWorkers} worker${defaultWorkers === 1 ? '' : 's'} here)`, 'b')}
${row("(b') `lifeboat backup --format plain`", 'bp')}
${row('(e) `lifeboat backup --profile`, encrypted (AES-256-GCM)', 'e')}
${row('(c) seed: `pg_dump` plain to file, `gzip`, upload', 'c')}

| target | mixed | text-heavy |
| --- | --- | --- |
| (b2)/(a): ≤ 1.0 mixed, ≤ 0.6 text-heavy (2 workers) | ${per((id) => `${ratio(id, 'b2').toFixed(2)} ${ok(ratio(id, 'b2') <= speedTarget(id))}`)} |
| (b1)/(a), 1 worker (the scaling) | ${per((id) => ratio(id, 'b1').toFixed(2))} |
| (b0)/(a), pg_dump compressing | ${per((id) => ratio(id, 'b0').toFixed(2))} |
| stored size (b1)/(a) ≤ 1.05 | ${per((id) => `${(size(`${id}:b1`) / size(`${id}:a`)).toFixed(3)} (${mib(size(`${id}:b1`))} vs ${mib(size(`${id}:a`))}) ${ok(size(`${id}:b1`) / size(`${id}:a`) <= 1.05)}`)} |
| Lifeboat peak RSS ≤ 200 MiB (b1, b2, b0) | ${per((id) => `${rss(`${id}:b1`).toFixed(0)} / ${rss(`${id}:b2`).toFixed(0)} / ${rss(`${id}:b0`).toFixed(0)} MiB ${ok(peak(id) <= 200)}`)} |
| flat at twice the size (b2) | ${per(doubled)} |
| encryption overhead (e)/(b) ≤ 1.10 | ${(wall('mixed:e') / wall('mixed:b')).toFixed(2)} ${ok(wall('mixed:e') / wall('mixed:b') <= 1.1)} | – |
| (b) faster than (c) | (b)/(c) = ${(wall('mixed:b') / wall('mixed:c')).toFixed(2)}; same format, (b')/(c) = ${(wall('mixed:bp') / wall('mixed:c')).toFixed(2)} ${ok(wall('mixed:b') < wall('mixed:c'))} | – |
`;
  const file = await writeBenchSection(repoRoot, 'backup', md);
  log(md);
  log(`written to ${file}`);
} finally {
  await bench.close();
}
