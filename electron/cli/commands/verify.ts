import type { Command } from 'commander';
import { connectionWithSsh, sshOptions, type SshOptions } from '../ssh-options.js';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { LifeboatError } from '../../engine/errors.js';
import type { VerifyRecord } from '../../../shared/verify-record.js';
import { runLoggedVerify } from '../../engine/verify/logged-verify.js';
import { drillSentence } from '../../../shared/drill.js';
import type { GlobalOptions } from '../global-options.js';
import { backupPlaces } from '../profile-target.js';
import { interruptSignal, printJson, terminalProgress } from '../output.js';

interface VerifyOptions extends SshOptions {
  profile?: string;
  to?: string;
  latest?: boolean;
  key?: string;
  dbName?: string;
  deep?: boolean;
  server?: string;
  json?: boolean;
}

export function registerVerify(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('verify')
    .description('Check that a backup is intact and readable (--deep: that it restores), and record the result beside it')
    .option('--profile <name>', 'read the backups from the storage of this saved profile')
    .option('--to <storage-url>', 'where the backups are (default as for backup)')
    .option('--latest', 'the newest backup (of --db-name, when given)')
    .option('--key <key>', 'a specific backup key')
    .option('--db-name <name>', 'with --latest: the newest backup of this database')
    .option('--deep', 'also restore it into a temporary database and compare row counts with the manifest')
    .option('--server <url>', 'with --deep: libpq URL of the server for the temporary database')
    .option('--json', 'print the verification record');
  sshOptions(command, 'the --server server');
  command
    .action(async (opts: VerifyOptions) => {
      const progress = opts.json ? { onProgress: () => undefined, done: () => undefined } : terminalProgress();
      let record: VerifyRecord;
      try {
        const req = { ...(await backupPlaces(opts.to, opts.profile)), latest: opts.latest, key: opts.key, dbName: opts.dbName, deep: opts.deep, server: await connectionWithSsh(opts.server, opts), pgBinDir: globals().pgBin, signal: interruptSignal(), onProgress: progress.onProgress };
        record = await runLoggedVerify(req, ActivityLog.forEnv(), { profile: opts.profile ?? null, storage: opts.to ?? opts.profile ?? null });
      } finally {
        progress.done();
      }
      if (opts.json) printJson(record);
      if (record.outcome === 'failed') throw new LifeboatError('VERIFY_FAILED', `Verification of ${record.key} failed: ${record.problem ?? 'see the record'}`);
      if (!opts.json) {
        const tables = record.depth === 'deep' ? `, restored, ${record.checks.tables.length} table row counts match` : '';
        const sha = record.checks.sha256Matches === null ? 'no manifest to compare the SHA-256 with' : 'SHA-256 matches the manifest';
        const drill = record.drill ? `\nDrill: ${drillSentence(record.drill)}.\n` : '\n';
        process.stdout.write(`Verified ${record.key} (${record.depth}): ${sha}, contents readable${tables}.${drill}`);
      }
    });
}
