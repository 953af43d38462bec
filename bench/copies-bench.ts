// npm run bench:copies [-- --size-mb 128 --runs 3]
// What a copy costs: wall time and peak RSS of `lifeboat backup` to one S3 bucket, and to the same
// bucket with `--copy-to` a second bucket on the same RGW (loopback), side by side, round-robin.
// Two databases of the same size on disk: the benchmark's usual text-heavy one (pg_dump compresses
// it a lot, as real tables mostly do) and one of random bytes (incompressible: the archive is as
// large as the data, the worst case for a copy made after the first upload).

import os from 'node:os';
import { parseArgs } from 'node:util';
import { measure, median, type Measurement } from './support/measure.js';
import { writeBenchSection } from './support/report.js';
import { log, mib, setUpBench } from './support/bench-setup.js';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '128' }, runs: { type: 'string', default: '3' } } });
const sizeMiB = Number(values['size-mb']);
const runs = Number(values.runs);

const bench = await setUpBench('copies', sizeMiB, import.meta.dirname);
const { repoRoot, cli, pg, s3, dbBytes, env } = bench;
try {
  await s3.createBucket('bench-copy');
  log(`building a ~${sizeMiB} MiB database of random bytes…`);
  await pg.createDatabase('random');
  // 4 KiB of hex-decoded md5 per row: bytes no compressor can shrink.
  await pg.query(
    `CREATE TABLE noise (id int PRIMARY KEY, b bytea);
     INSERT INTO noise SELECT g, decode((SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 128) i), 'hex') FROM generate_series(1, ${sizeMiB * 256}) g;`,
    [],
    'random',
  );
  const randomBytes = Number((await pg.query<{ n: string }>("SELECT pg_database_size('random') AS n", [], 'random'))[0]?.n ?? 0);
  const one = (db: string): string[] => [cli, 'backup', '--db', pg.url(db), '--to', s3.storageUrl('bench'), '--json'];
  const two = (db: string): string[] => [...one(db), '--copy-to', s3.storageUrl('bench-copy')];
  const variants: { name: string; args: string[] }[] = [
    { name: 'text-1', args: one('bench') },
    { name: 'text-2', args: two('bench') },
    { name: 'random-1', args: one('random') },
    { name: 'random-2', args: two('random') },
  ];
  const results: Record<string, Measurement[]> = {};
  const objectBytes: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const order = [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)];
    for (const v of order) {
      const m = await measure(process.execPath, v.args, env);
      const out = JSON.parse(m.stdout) as { size: number; copies?: { status: string }[] };
      if (out.copies?.some((c) => c.status !== 'copied')) throw new Error(`a copy failed in ${v.name}: ${m.stdout}`);
      objectBytes[v.name.split('-')[0] ?? ''] = out.size;
      (results[v.name] ??= []).push(m);
      log(`run ${i + 1} ${v.name}: ${(m.wallMs / 1000).toFixed(2)} s, peak RSS ${m.peakRssMiB.toFixed(0)} MiB`);
      await new Promise((r) => setTimeout(r, 1100)); // keys are per second
    }
  }
  const load = os.loadavg()[0] ?? 0;
  const wall = (n: string): number => median((results[n] ?? []).map((m) => m.wallMs));
  const rss = (n: string): number => median((results[n] ?? []).map((m) => m.peakRssMiB));
  const ratio = (kind: string): number => wall(`${kind}-2`) / wall(`${kind}-1`);
  const ok = (b: boolean): string => (b ? 'met' : '**missed**');
  const row = (label: string, kind: string): string =>
    `| ${label} | ${mib(objectBytes[kind] ?? 0)} | ${(wall(`${kind}-1`) / 1000).toFixed(2)} s | ${(wall(`${kind}-2`) / 1000).toFixed(2)} s | ${ratio(kind).toFixed(2)} ${ok(ratio(kind) <= 1.15)} | ${rss(`${kind}-1`).toFixed(0)} / ${rss(`${kind}-2`).toFixed(0)} MiB |`;
  const md = `## Copies (\`npm run bench:copies -- --size-mb ${sizeMiB} --runs ${runs}\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine (shared with other work, noisy), PostgreSQL 15 and pg_dump 15
on loopback, one Ceph RGW (single-node, loopback) holding both buckets. \`lifeboat backup\` to one bucket, and to the same bucket
with \`--copy-to\` a second one (the copy starts once the backup is complete: object read back from the first bucket, streamed
to the second, checked against the manifest's size and SHA-256, sidecars and manifest after it). Medians of ${runs} runs, round-robin.

| database (on disk) | backup object | one destination | two destinations | ratio (target ≤ 1.15) | peak RSS one / two |
| --- | --- | --- | --- | --- | --- |
${row(`text-heavy, ${mib(dbBytes)} (compresses like most tables)`, 'text')}
${row(`random bytes, ${mib(randomBytes)} (incompressible: worst case)`, 'random')}

Load average at the end of the run: ${load.toFixed(1)} on 2 cores. When it is far above 2 (other test runs sharing the machine), absolute
times are inflated many times over and run-to-run spread (see the per-run lines the benchmark prints) is larger than the
copy's own cost: read the ratio as "within noise", and rerun on a quiet machine for a figure to hold the target against.
What a copy adds is one read of the stored object and one upload of it (plus a few small sidecars): for a compressible database
the object is a few percent of the data and the copy costs well under a second; for incompressible data it is one more
transfer of the whole object, overlapping nothing. Peak RSS grows by one more stream (a few multipart parts), not with the size.
`;
  const file = await writeBenchSection(repoRoot, 'copies', md);
  log(md);
  log(`written to ${file}`);
} finally {
  await bench.close();
}

