import { Command, CommanderError } from 'commander';
import { requireToolFolder } from '../engine/pg/tool-discovery.js';
import { removeDeadScratch } from '../engine/restore/scratch-file.js';
import { lifeboatVersion } from '../engine/version.js';
import { registerBackup } from './commands/backup.js';
import { registerBrowse } from './commands/browse.js';
import { registerDecrypt } from './commands/decrypt.js';
import { registerDiff } from './commands/diff.js';
import { registerGlobals } from './commands/globals.js';
import { registerExtract } from './commands/extract.js';
import { registerImport } from './commands/import.js';
import { registerKey } from './commands/key.js';
import { registerList } from './commands/list.js';
import { registerLog } from './commands/log.js';
import { registerNotify } from './commands/notify.js';
import { registerPrune } from './commands/prune.js';
import { registerReport } from './commands/report.js';
import { registerScheduler } from './commands/scheduler.js';
import { registerProfile } from './commands/profile.js';
import { registerRestore } from './commands/restore.js';
import { registerTemp } from './commands/temp.js';
import { registerVerify } from './commands/verify.js';
import type { GlobalOptions } from './global-options.js';
import { reportFailure, wasInterrupted } from './output.js';

// The AWS SDK version is pinned to one that supports Node 20 (see README); its notice that later
// releases need Node 22 would otherwise land on stderr of every command, which scripts read.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command();
program
  .name('lifeboat')
  .description('PostgreSQL backup and disaster recovery to S3-compatible storage')
  .version(lifeboatVersion())
  .option('--verbose', 'print stack traces on failure')
  .option('--pg-bin <dir>', 'folder with the pg_dump/pg_restore/psql to prefer (also LIFEBOAT_PG_BIN)')
  .showHelpAfterError()
  .exitOverride();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();
// Scratch copies of restores that were killed (kill -9, power loss) go at the next start.
program.hook('preAction', async () => {
  await removeDeadScratch(process.env).catch(() => undefined);
  // A --pg-bin folder that does not exist is an error for every command, not silently ignored.
  const pgBin = globals().pgBin;
  if (pgBin !== undefined) await requireToolFolder(pgBin, '--pg-bin');
});
registerBackup(program, globals);
registerList(program);
registerPrune(program);
registerLog(program);
registerScheduler(program, globals);
registerNotify(program);
registerReport(program);
registerProfile(program);
registerKey(program);
registerDecrypt(program);
registerGlobals(program);
registerRestore(program, globals);
registerImport(program);
registerTemp(program);
registerExtract(program, globals);
registerVerify(program, globals);
registerBrowse(program);
registerDiff(program, globals);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else {
    process.exitCode = reportFailure(e, globals().verbose ?? false);
  }
}
// A cancelled command has reported how it ended; a request its cancel could not reach (a stalled
// socket, a timer) must not keep the process, and the cron job or service that started it, alive.
if (wasInterrupted()) process.exit(process.exitCode ?? 130);
