// npm run bench:restore [-- --size-mb 300 --runs 3]
// Builds the backup benchmark's database (bench/support/bench-database.ts; 300 MiB by default so a
// run takes minutes — pass --size-mb 1024 for the backup benchmark's size), backs it up once with
// `lifeboat backup` to a local S3 server and once with pg_dump -Fc to a local file, then measures
// side by side, round-robin, several times each, each restore into a fresh database:
//   (a)  pg_restore from a local file, one job         — the floor
//   (b)  lifeboat restore --key … from S3, one job      — streamed into pg_restore as it downloads (hashed)
//   (c)  lifeboat restore --jobs 2: (B) ranged reads into 2 pg_restore workers, no local copy (the default)
//   (cA) the same with LIFEBOAT_PARALLEL_RESTORE=local-copy: (A) the whole object into a local copy
//        whose TOC gets every data offset from the index, then pg_restore -j 2 (seeks, no scan)
//   (d)  lifeboat restore --jobs 4 (B)
//   (a2) pg_restore -j 2 from a local file               — the floor for (c)
//   (f)  lifeboat restore of the same backup encrypted (--profile with --encrypt), one job — against (b)
//   (f2) the encrypted backup with --jobs 2 (B)
//   (e)  lifeboat extract of ten rows from a small table (pgbench_tellers), and
//   (e2) from the largest table (pgbench_accounts, ~60% of the data) — against (b), a full restore.
//        An extract restores the whole named table into a temporary database, then filters there.
// For every lifeboat variant, the peak of the disk its scratch folder (BACKUP_DIR) held is recorded.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measure, median, type Measurement } from './support/measure.js';
import { writeBenchSection } from './support/report.js';
import { log, mib, setUpBench } from './support/bench-setup.js';
import { withDiskPeak } from './support/disk-peak.js';
import { settle } from './support/settle.js';

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '300' },
    runs: { type: 'string', default: '3' },
  },
});
const sizeMiB = Number(values['size-mb']);
const runs = Number(values.runs);
const BIN = '/usr/lib/postgresql/15/bin';
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const bench = await setUpBench('restore', sizeMiB, import.meta.dirname);
const loadAtStart = os.loadavg();
const { repoRoot, cli, work, pg, s3, dbBytes } = bench;
try {
  const scratchDir = path.join(work, 'scratch');
  const env = { ...bench.env, BACKUP_DIR: scratchDir };
  const to = s3.storageUrl('bench');
  const backup = await measure(process.execPath, [cli, 'backup', '--db', pg.url('bench'), '--to', to, '--json'], env);
  const { key, size } = JSON.parse(backup.stdout) as { key: string; size: number };
  const file = path.join(work, 'bench.dump');
  await measure(`${BIN}/pg_dump`, ['-Fc', `--file=${file}`, `--dbname=${pg.url('bench')}`]);
  log(`backup ${key}: ${mib(size)}`);
  // The same database backed up encrypted through a profile whose key is in the (throwaway) keychain.
  const keychainEnv = { ...env, LIFEBOAT_KEYCHAIN_SERVICE: `lifeboat-bench-${process.pid}` };
  await measure(process.execPath, [cli, 'profile', 'add', 'bench-enc', '--db', pg.url('bench'), '--to', to, '--encrypt'], keychainEnv);
  await new Promise((r) => setTimeout(r, 1100)); // keys are per second
  const encKey = (JSON.parse((await measure(process.execPath, [cli, 'backup', '--profile', 'bench-enc', '--json'], keychainEnv)).stdout) as { key: string }).key;

  let n = 0;
  const fresh = (): string => `r${++n}`;
  const drop = async (db: string): Promise<void> => void (await pg.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`));
  // A DBA restoring a local file into a new database runs createdb, then pg_restore: both are on the
  // clock, as Lifeboat's CREATE DATABASE is on its own.
  const port = new URL(pg.url()).port;
  const pgRestore = async (jobs: number): Promise<Measurement> => {
    const db = fresh();
    try {
      const created = await measure(`${BIN}/createdb`, ['--host=127.0.0.1', `--port=${port}`, '--username=postgres', db]);
      const restored = await measure(`${BIN}/pg_restore`, ['--no-owner', '--no-acl', '--exit-on-error', ...(jobs > 1 ? [`--jobs=${jobs}`] : []), `--dbname=${pg.url(db)}`, file]);
      return { ...restored, wallMs: created.wallMs + restored.wallMs };
    } finally {
      await drop(db);
    }
  };
  const lifeboatRestore = async (jobs: number, extraEnv: NodeJS.ProcessEnv = {}, restoreKey = key, keyEnv = env): Promise<Measurement> => {
    const db = fresh();
    try {
      return await measure(process.execPath, [cli, 'restore', '--key', restoreKey, '--to', to, '--target', pg.url(db), '--jobs', String(jobs), '--json'], { ...keyEnv, ...extraEnv });
    } finally {
      await drop(db);
    }
  };
  const localCopy = { LIFEBOAT_PARALLEL_RESTORE: 'local-copy' };
  const extract = (table: string, where: string): Promise<Measurement> =>
    measure(process.execPath, [cli, 'extract', '--key', key, '--to', to, '--server', pg.url(), '--table', table, '--where', where, '--format', 'csv'], env);

  type Variant = { name: string; run: () => Promise<Measurement> };
  const variants: Variant[] = [
    { name: 'a', run: () => pgRestore(1) },
    { name: 'b', run: () => lifeboatRestore(1) },
    { name: 'f', run: () => lifeboatRestore(1, {}, encKey, keychainEnv) },
    { name: 'c', run: () => lifeboatRestore(2) },
    { name: 'cA', run: () => lifeboatRestore(2, localCopy) },
    { name: 'f2', run: () => lifeboatRestore(2, {}, encKey, keychainEnv) },
    { name: 'd', run: () => lifeboatRestore(4) },
    { name: 'a2', run: () => pgRestore(2) },
    { name: 'e', run: () => extract('public.pgbench_tellers', 'tid <= 10') },
    { name: 'e2', run: () => extract('public.pgbench_accounts', 'aid <= 10') },
  ];
  const results: Record<string, Measurement[]> = {};
  const disk: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const order = [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)];
    for (const v of order) {
      await settle(pg);
      const { result: m, peakBytes } = await withDiskPeak(scratchDir, v.run);
      (results[v.name] ??= []).push(m);
      disk[v.name] = Math.max(disk[v.name] ?? 0, peakBytes);
      // Which way the restore read the backup, from its own --json (an index found wrong would read it whole).
      const via = m.stdout.startsWith('{') ? ((JSON.parse(m.stdout) as { read?: { via?: string; note?: string } }).read ?? {}) : {};
      log(`run ${i + 1} ${v.name}: ${secs(m.wallMs)}, peak RSS ${m.peakRssMiB.toFixed(0)} MiB, scratch disk ${mib(peakBytes)}${via.via ? `, read via ${via.via}` : ''}${via.note ? ` (${via.note})` : ''}`);
    }
  }
  const loadAtEnd = os.loadavg();
  const extracted = (name: string): number => (results[name]?.[0]?.stdout ?? '').trim().split('\n').length - 1;

  const wall = (name: string): number => median((results[name] ?? []).map((m) => m.wallMs));
  const rss = (name: string): number => median((results[name] ?? []).map((m) => m.peakRssMiB));
  const ok = (b: boolean): string => (b ? 'met' : '**missed**');
  const ratioBA = wall('b') / wall('a');
  const ratioCA2 = wall('c') / wall('a2');
  const ratioCAA2 = wall('cA') / wall('a2');
  const ratioEB = wall('e') / wall('b');
  const ratioE2B = wall('e2') / wall('b');
  const kib = (n: number): string => (n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KiB` : mib(n));
  const row = (label: string, name: string): string =>
    `| ${label} | ${secs(wall(name))} | ${(wall(name) / wall('a')).toFixed(2)} | ${rss(name).toFixed(0)} MiB | ${name.startsWith('a') ? '(the dump file)' : kib(disk[name] ?? 0)} |`;
  const load = (l: number[]): string => l.map((x) => x.toFixed(1)).join(' / ');
  const md = `## Restore (\`npm run bench:restore -- --size-mb ${sizeMiB} --runs ${runs}\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine (shared, noisy: load average ${load(loadAtStart)} at the start, ${load(loadAtEnd)} at the end, 1/5/15 min), PostgreSQL 15 and pg_restore 15 on loopback,
Ceph RGW (single-node, loopback) as the S3 endpoint. Database: ${mib(dbBytes)} on disk (the backup benchmark's pgbench tables + text-heavy table), custom-format
backup of ${mib(size)}. Every restore goes into a new database; medians of ${runs} runs per variant, run round-robin.
The default size is 300 MiB so that the benchmark runs in minutes; \`--size-mb 1024\` matches the backup benchmark.
"Scratch disk" is the most the restore's local folder (BACKUP_DIR) held at once, sampled every 20 ms.

| variant | wall time | ÷ (a) | peak RSS (top process) | scratch disk |
| --- | --- | --- | --- | --- |
${row('(a) `pg_restore` from a local file, one job', 'a')}
${row('(b) `lifeboat restore --key …` from S3, one job (streamed into pg_restore as it downloads, SHA-256 checked on the way)', 'b')}
${row('(f) `lifeboat restore` of the encrypted backup (AES-256-GCM, key from the keychain), one job', 'f')}
${row('(a2) `pg_restore -j 2` from a local file', 'a2')}
${row('(c) `lifeboat restore --jobs 2`, (B): pre-data, 2 pg_restore workers fed their blocks by ranged reads (then the indexes of their loaded tables while the other still loads), the rest of post-data with `-j 2`; no local copy', 'c')}
${row('(cA) `--jobs 2`, (A): the whole object into a local copy with every data offset set from the index, then `pg_restore -j 2`', 'cA')}
${row('(f2) the encrypted backup with `--jobs 2` (B)', 'f2')}
${row('(d) `lifeboat restore --jobs 4` (B)', 'd')}
${row(`(e) \`lifeboat extract\` of ${extracted('e')} rows from \`pgbench_tellers\` (small table)`, 'e')}
${row(`(e2) \`lifeboat extract\` of ${extracted('e2')} rows from \`pgbench_accounts\` (~60% of the data)`, 'e2')}

| target | figure | |
| --- | --- | --- |
| one job: (b)/(a) ≤ 1.0 | ${ratioBA.toFixed(2)} | ${ok(ratioBA <= 1.0)} |
| \`--jobs 2\` ÷ local \`pg_restore -j 2\`: (c)/(a2) ≤ 1.05 | (B) ${ratioCA2.toFixed(2)}, scratch disk ${kib(disk.c ?? 0)}; (A) (cA)/(a2) = ${ratioCAA2.toFixed(2)}, scratch disk ${kib(disk.cA ?? 0)} | ${ok(ratioCA2 <= 1.05)} |
| decryption overhead (f)/(b) ≤ 1.10 | ${(wall('f') / wall('b')).toFixed(2)}; with \`--jobs 2\`: (f2)/(c) = ${(wall('f2') / wall('c')).toFixed(2)} | ${ok(wall('f') / wall('b') <= 1.1)} |
| extract ten rows vs full restore: a small fraction | (e)/(b) = ${ratioEB.toFixed(2)} from a small table; (e2)/(b) = ${ratioE2B.toFixed(2)} from the largest (an extract restores the whole named table) | ${ok(ratioEB <= 0.25)} |
| \`--jobs 2\` vs one job | (c)/(b) = ${(wall('c') / wall('b')).toFixed(2)}; \`--jobs 4\`: (d)/(b) = ${(wall('d') / wall('b')).toFixed(2)} (2 cores) | |
`;
  const out = await writeBenchSection(repoRoot, 'restore', md);
  log(md);
  log(`written to ${out}`);
} finally {
  await bench.close();
}
