import type { Command } from 'commander';
import { LifeboatError } from '../../engine/errors.js';
import { dropTempDatabase, listTempDatabases } from '../../engine/restore/temp-databases.js';
import { printJson } from '../output.js';

export function registerTemp(program: Command): void {
  const temp = program.command('temp').description('Temporary databases Lifeboat created (restore --temp, extract --keep, verify --deep)');
  temp
    .command('list')
    .description('List the temporary databases Lifeboat created')
    .option('--server <url>', 'libpq URL of the server: only its databases, and whether they still exist')
    .option('--json', 'print a JSON array')
    .action(async (opts: { server?: string; json?: boolean }) => {
      const rows = await listTempDatabases(opts.server);
      if (opts.json) {
        printJson(rows);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('No temporary databases.\n');
        return;
      }
      for (const r of rows) {
        const state = r.exists === false ? '  (no longer exists)' : '';
        const status =
          r.status === 'interrupted'
            ? `  INTERRUPTED: its restore was killed before it finished; drop it with \`lifeboat temp drop ${r.name} --server URL\``
            : r.status === 'restoring'
              ? `  (restoring now, pid ${r.pid ?? '?'})`
              : '';
        process.stdout.write(`${r.name}  ${r.server}  ${r.createdAt}  ${r.key}${state}${status}\n`);
      }
    });
  temp
    .command('drop')
    .description('Drop a temporary database Lifeboat created (never any other database)')
    .argument('<name>', 'the temporary database, e.g. lifeboat_shop_20250515_031012')
    .option('--server <url>', 'libpq URL of the server it lives on')
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: { server?: string; json?: boolean }) => {
      if (!opts.server) throw new LifeboatError('BAD_INPUT', 'Say which server the database is on with --server postgresql://user@host:5432/postgres.');
      const r = await dropTempDatabase(name, opts.server);
      if (opts.json) printJson({ name, dropped: r.dropped });
      else process.stdout.write(r.dropped ? `Dropped ${name}.\n` : `${name} no longer existed; removed it from the list.\n`);
    });
}
