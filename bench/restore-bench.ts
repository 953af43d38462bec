// npm run bench:restore [-- --size-mb 300 --runs 3]
// Builds the backup benchmark's database (bench/support/bench-database.ts; 300 MiB by default so a
// run takes minutes — pass --size-mb 1024 for the backup benchmark's size), backs it up once with
// `lifeboat backup` to a local S3 server and once with pg_dump -Fc to a local file, then measures
// side by side, round-robin, several times each, each restore into a fresh database:
//   (a)  pg_restore from a local file, one job         — the floor
//   (b)  lifeboat restore --key … from S3, one job      — download (hashed) to a local copy, then pg_restore
//   (c)  lifeboat restore --jobs 2 / (d) --jobs 4       — download to BACKUP_DIR, verify, pg_restore -j
//   (a2) pg_restore -j 2 from a local file               — the floor for (c)
//   (f)  lifeboat restore of the same backup encrypted (--profile with --encrypt), one job — against (b)
//   (e)  lifeboat extract of ten rows from a small table (pgbench_tellers), and
//   (e2) from the largest table (pgbench_accounts, ~60% of the data) — against (b), a full restore.
//        An extract restores the whole named table into a temporary database, then filters there.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measure, median, type Measurement } from './support/measure.js';
import { writeBenchSection } from './support/report.js';
import { log, mib, setUpBench } from './support/bench-setup.js';

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
const { repoRoot, cli, work, pg, s3, dbBytes } = bench;
try {
  const env = { ...bench.env, BACKUP_DIR: path.join(work, 'scratch') };
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
  const pgRestore = async (jobs: number): Promise<Measurement> => {
    const db = fresh();
    await pg.createDatabase(db);
    try {
      return await measure(`${BIN}/pg_restore`, ['--no-owner', '--no-acl', '--exit-on-error', ...(jobs > 1 ? [`--jobs=${jobs}`] : []), `--dbname=${pg.url(db)}`, file]);
    } finally {
      await drop(db);
    }
  };
  const lifeboatRestore = async (jobs: number): Promise<Measurement> => {
    const db = fresh();
    try {
      return await measure(process.execPath, [cli, 'restore', '--key', key, '--to', to, '--target', pg.url(db), '--jobs', String(jobs), '--json'], env);
    } finally {
      await drop(db);
    }
  };
  const encryptedRestore = async (): Promise<Measurement> => {
    const db = fresh();
    try {
      return await measure(process.execPath, [cli, 'restore', '--key', encKey, '--to', to, '--target', pg.url(db), '--json'], keychainEnv);
    } finally {
      await drop(db);
    }
  };
  const extract = (table: string, where: string): Promise<Measurement> =>
    measure(process.execPath, [cli, 'extract', '--key', key, '--to', to, '--server', pg.url(), '--table', table, '--where', where, '--format', 'csv'], env);

  type Variant = { name: string; run: () => Promise<Measurement> };
  const variants: Variant[] = [
    { name: 'a', run: () => pgRestore(1) },
    { name: 'b', run: () => lifeboatRestore(1) },
    { name: 'f', run: () => encryptedRestore() },
    { name: 'c', run: () => lifeboatRestore(2) },
    { name: 'd', run: () => lifeboatRestore(4) },
    { name: 'a2', run: () => pgRestore(2) },
    { name: 'e', run: () => extract('public.pgbench_tellers', 'tid <= 10') },
    { name: 'e2', run: () => extract('public.pgbench_accounts', 'aid <= 10') },
  ];
  const results: Record<string, Measurement[]> = {};
  for (let i = 0; i < runs; i++) {
    const order = [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)];
    for (const v of order) {
      const m = await v.run();
      (results[v.name] ??= []).push(m);
      log(`run ${i + 1} ${v.name}: ${secs(m.wallMs)}, peak RSS ${m.peakRssMiB.toFixed(0)} MiB`);
    }
  }
  const extracted = (name: string): number => (results[name]?.[0]?.stdout ?? '').trim().split('\n').length - 1;

  const wall = (name: string): number => median((results[name] ?? []).map((m) => m.wallMs));
  const rss = (name: string): number => median((results[name] ?? []).map((m) => m.peakRssMiB));
  const ok = (b: boolean): string => (b ? 'met' : '**missed**');
  const ratioBA = wall('b') / wall('a');
  const ratioEB = wall('e') / wall('b');
  const ratioE2B = wall('e2') / wall('b');
  const row = (label: string, name: string): string => `| ${label} | ${secs(wall(name))} | ${(wall(name) / wall('a')).toFixed(2)} | ${rss(name).toFixed(0)} MiB |`;
  const md = `## Restore (\`npm run bench:restore -- --size-mb ${sizeMiB} --runs ${runs}\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine (shared, noisy), PostgreSQL 15 and pg_restore 15 on loopback,
Ceph RGW (single-node, loopback) as the S3 endpoint. Database: ${mib(dbBytes)} on disk (the backup benchmark's pgbench tables + text-heavy table), custom-format
backup of ${mib(size)}. Every restore goes into a new database; medians of ${runs} runs per variant, run round-robin.
The default size is 300 MiB so that the benchmark runs in minutes; \`--size-mb 1024\` matches the backup benchmark.

| variant | wall time | ÷ (a) | peak RSS (top process) |
| --- | --- | --- | --- |
${row('(a) `pg_restore` from a local file, one job', 'a')}
${row('(b) `lifeboat restore --key …` from S3, one job (download to a local copy, then pg_restore)', 'b')}
${row('(f) `lifeboat restore` of the encrypted backup (AES-256-GCM, key from the keychain), one job', 'f')}
${row('(c) `lifeboat restore --jobs 2` (download, verify, `pg_restore -j 2`)', 'c')}
${row('(d) `lifeboat restore --jobs 4`', 'd')}
${row('(a2) `pg_restore -j 2` from a local file', 'a2')}
${row(`(e) \`lifeboat extract\` of ${extracted('e')} rows from \`pgbench_tellers\` (small table)`, 'e')}
${row(`(e2) \`lifeboat extract\` of ${extracted('e2')} rows from \`pgbench_accounts\` (~60% of the data)`, 'e2')}

| target | figure | |
| --- | --- | --- |
| (b)/(a) ≤ 1.15 | ${ratioBA.toFixed(2)} | ${ok(ratioBA <= 1.15)} |
| decryption overhead (f)/(b) ≤ 1.10 | ${(wall('f') / wall('b')).toFixed(2)} | ${ok(wall('f') / wall('b') <= 1.1)} |
| extract ten rows vs full restore: a small fraction | (e)/(b) = ${ratioEB.toFixed(2)} from a small table; (e2)/(b) = ${ratioE2B.toFixed(2)} from the largest (an extract restores the whole named table) | ${ok(ratioEB <= 0.25)} |
| \`--jobs 2\` vs one job | (c)/(b) = ${(wall('c') / wall('b')).toFixed(2)}; \`--jobs 4\`: (d)/(b) = ${(wall('d') / wall('b')).toFixed(2)} (2 cores) | |
`;
  const out = await writeBenchSection(repoRoot, 'restore', md);
  log(md);
  log(`written to ${out}`);
} finally {
  await bench.close();
}
