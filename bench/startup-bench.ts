// npm run bench:startup [-- --runs 7]
// The fixed cost of a command: what `lifeboat backup` adds to pg_dump when there is almost nothing
// to dump (a 15 MiB database), side by side in one run, interleaved, medians:
//   - `node -e 0` (Node itself) and `pg_dump -Fc -f file` (the floor);
//   - the CLI as ~300 separate ES modules (tsc's output, `dist/electron/cli/main.js`), with no tool
//     version cache: how every command started before the bundle and the cache;
//   - the bundled CLI (`bin/lifeboat.js` → `dist/cli/lifeboat.js`) with the tool version cache warm.
// Each backup goes to the S3 server, so the S3 client is loaded in every variant.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { log, setUpBench } from './support/bench-setup.js';
import { measure, median } from './support/measure.js';
import { writeBenchSection } from './support/report.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);

const bench = await setUpBench('startup', 15, import.meta.dirname);
const { repoRoot, pg, s3, env, work, cli } = bench;
try {
  const modular = path.join(repoRoot, 'dist', 'electron', 'cli', 'main.js');
  const db = pg.url('bench');
  const to = (variant: string): string => s3.storageUrl('bench', variant);
  const cacheDir = path.join(env.LIFEBOAT_HOME as string, 'cache');
  const variants: Record<string, () => Promise<number>> = {
    'node -e 0': async () => (await measure(process.execPath, ['-e', '0'], env)).wallMs,
    'pg_dump -Fc -f file': async () => (await measure('/usr/lib/postgresql/15/bin/pg_dump', ['-Fc', '-f', path.join(work, 'x.dump'), `--dbname=${db}`], env)).wallMs,
    'lifeboat --version, separate modules': async () => (await measure(process.execPath, [modular, '--version'], env)).wallMs,
    'lifeboat --version, bundled': async () => (await measure(process.execPath, [cli, '--version'], env)).wallMs,
    'lifeboat backup, separate modules, no tool cache': async () => {
      await rm(cacheDir, { recursive: true, force: true });
      return (await measure(process.execPath, [modular, 'backup', '--db', db, '--to', to('modular')], env)).wallMs;
    },
    'lifeboat backup, bundled, tool cache warm': async () => (await measure(process.execPath, [cli, 'backup', '--db', db, '--to', to('bundled')], env)).wallMs,
  };
  // Warm the page cache and the tool cache once, then interleave so load changes hit every variant alike.
  for (const run of Object.values(variants)) await run();
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, run] of Object.entries(variants)) (times[name] as number[]).push(await run());
    log(`run ${i + 1}/${runs} done`);
  }
  const med = (k: string): number => median(times[k] as number[]);
  const dump = med('pg_dump -Fc -f file');
  const rows = Object.keys(variants).map((k) => `| ${k} | ${(med(k) / 1000).toFixed(2)} s | ${k.startsWith('lifeboat backup') ? `${((med(k) - dump) / 1000).toFixed(2)} s` : ''} |`);
  const before = med('lifeboat backup, separate modules, no tool cache') - dump;
  const after = med('lifeboat backup, bundled, tool cache warm') - dump;
  const md = `## Start-up and fixed cost (\`npm run bench:startup -- --runs ${runs}\`)

Measured ${new Date().toISOString().slice(0, 10)} on this project's 2-core machine (shared with other work: absolute times are
noisy, the variants ran interleaved). A 15 MiB database, backups to the S3 server (RGW) on loopback; medians of ${runs} runs.

| command | median | added to pg_dump |
| --- | --- | --- |
${rows.join('\n')}

The fixed cost of a backup went from ${(before / 1000).toFixed(2)} s to ${(after / 1000).toFixed(2)} s (${((1 - after / before) * 100).toFixed(0)}% less): the CLI is one bundled
file instead of ~300 modules Node resolves and reads one by one, the S3 client loads while the
database is being connected to (and not at all for commands that never reach S3), and the versions of
the PostgreSQL tools are cached by path, size and modification time instead of running each
\`pg_dump --version\` (Debian's Perl wrapper twice, through /bin and /usr/bin) on every command.
What remains is mostly Node's own start-up and loading the bundle, the database connection, the
snapshot and writing the manifest.`;
  log(md);
  log(`written to ${await writeBenchSection(repoRoot, 'startup', md)}`);
} finally {
  await bench.close();
}
