import type { Command } from 'commander';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { recordOperation } from '../../engine/activity/record-operation.js';
import { LifeboatError } from '../../engine/errors.js';
import type { VerifyRecord } from '../../../shared/verify-record.js';
import { runVerify } from '../../engine/verify/run-verify.js';
import type { GlobalOptions } from '../global-options.js';
import { backupPlaces } from '../profile-target.js';
import { interruptSignal, printJson, terminalProgress } from '../output.js';

interface VerifyOptions {
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
  program
    .command('verify')
    .description('Check that a backup is intact and readable (--deep: that it restores), and record the result beside it')
    .option('--profile <name>', 'read the backups from the storage of this saved profile')
    .option('--to <storage-url>', 'where the backups are (default as for backup)')
    .option('--latest', 'the newest backup (of --db-name, when given)')
    .option('--key <key>', 'a specific backup key')
    .option('--db-name <name>', 'with --latest: the newest backup of this database')
    .option('--deep', 'also restore it into a temporary database and compare row counts with the manifest')
    .option('--server <url>', 'with --deep: libpq URL of the server for the temporary database')
    .option('--json', 'print the verification record')
    .action(async (opts: VerifyOptions) => {
      const progress = opts.json ? { onProgress: () => undefined, done: () => undefined } : terminalProgress();
      const failed: { record: VerifyRecord | null } = { record: null };
      let record: VerifyRecord;
      try {
        // A failed check is a result for the engine, and a failure for the activity log.
        record = await recordOperation(ActivityLog.forEnv(), { kind: 'verify', profile: opts.profile ?? null, storage: opts.to ?? opts.profile ?? null, key: opts.key ?? null, summary: 'Verified' }, async () => {
          const r = await runVerify({ ...(await backupPlaces(opts.to, opts.profile)), latest: opts.latest, key: opts.key, dbName: opts.dbName, deep: opts.deep, server: opts.server, pgBinDir: globals().pgBin, signal: interruptSignal(), onProgress: progress.onProgress });
          if (r.outcome === 'failed') {
            failed.record = r;
            throw new LifeboatError('VERIFY_FAILED', `Verification of ${r.key} failed: ${r.problem ?? 'see the record'}`);
          }
          return r;
        }, (r) => ({ key: r.key, bytes: r.checks.sizeBytes, summary: `Verified (${r.depth})`, details: { depth: r.depth } }));
      } catch (e) {
        if (opts.json && failed.record) printJson(failed.record);
        throw e;
      } finally {
        progress.done();
      }
      if (opts.json) printJson(record);
      if (!opts.json) {
        const tables = record.depth === 'deep' ? `, restored, ${record.checks.tables.length} table row counts match` : '';
        const sha = record.checks.sha256Matches === null ? 'no manifest to compare the SHA-256 with' : 'SHA-256 matches the manifest';
        process.stdout.write(`Verified ${record.key} (${record.depth}): ${sha}, contents readable${tables}.\n`);
      }
    });
}
