import type { Command } from 'commander';
import { connectionWithSsh, sshOptions, type SshOptions } from '../ssh-options.js';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { runLoggedBackup } from '../../engine/activity/logged-backup.js';
import { testNow } from '../test-clock.js';
import { parseCompressOption } from '../../engine/compress/backup-compression.js';
import { mergeCompression, type CompressMethod } from '../../../shared/compression.js';
import { compressionChangeFrom, compressMethodOption } from '../compress-options.js';
import { LifeboatError } from '../../engine/errors.js';
import { describeFailedCopies } from '../../engine/copies/copy-to-destinations.js';
import { parseCopyTargets } from '../../engine/copies/copy-targets.js';
import { resolveProfile } from '../../engine/profiles/resolve-profile.js';
import { collectRepeated } from '../repeated-option.js';
import { interruptSignal, printJson, terminalProgress } from '../output.js';
import type { GlobalOptions } from '../global-options.js';
import type { BackupRequest } from '../../engine/backup/backup-request.js';
import { backupAllDatabases } from './backup-all.js';

interface BackupOptions extends SshOptions {
  profile?: string;
  db?: string;
  to?: string;
  copyTo?: string[];
  format?: string;
  label?: string;
  pin?: boolean;
  json?: boolean;
  rowCounts: string;
  globals: boolean;
  withRolePasswords?: boolean;
  allDatabases?: boolean;
  compressMethod?: CompressMethod;
  compressLevel?: string;
  compressWorkers?: string;
}

/** Exit code of a backup that is complete in its storage but missing from some copy destinations. */
export const PARTLY_COPIED_EXIT = 3;

export function registerBackup(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('backup')
    .description('Back up one database with pg_dump, streaming it straight to storage')
    .option('--profile <name>', 'use a saved profile (database, storage, format, encryption); --db/--to/--format override it')
    .option('--db <url>', 'libpq URL of the database (default: the PG* environment variables)')
    .option('--to <storage-url>', 's3://bucket[/prefix] or file:///folder (default: BACKUP_S3_BUCKET, else the local folder)')
    .option('--copy-to <storage-url>', "also copy the finished backup there (repeatable; replaces the profile's copies); exit code 3 when a copy fails", collectRepeated)
    .option('--format <format>', 'custom (pg_dump -Fc, .dump) or plain (gzipped SQL, .sql.gz); default custom')
    .option('--label <text>', 'a note kept in the manifest, e.g. "before migration 42"')
    .option('--pin', 'keep this backup whatever the retention policy says')
    .option('--row-counts <mode>', 'exact, estimated or auto (exact up to 10 GiB)', 'auto')
    .option('--no-globals', 'do not record the server\'s roles, memberships and tablespaces (pg_dumpall --globals-only) beside the backup')
    .option('--with-role-passwords', 'include role password hashes in the globals (encrypted backups only)')
    .option('--all-databases', 'back up every database of the server (not templates), one backup each, as one set with the server\'s globals')
    .addOption(compressMethodOption("gzip (default; Lifeboat's workers), lz4 or zstd (pg_dump 16+ compresses, one thread; custom format), none (custom format stored uncompressed)"))
    .option('--compress-level <n>', 'level of the method: gzip 0-9 (default 6, as pg_dump; 0 stores a custom archive uncompressed), lz4 1-12, zstd 1-22 (default: pg_dump\'s)')
    .option('--compress-workers <n>', 'threads gzipping the stream (default: cores - 1 from 3 cores up, else one per core); 0 lets pg_dump compress on its own single thread')
    .option('--json', 'print one JSON object: key, size, sha256, durationMs');
  sshOptions(command, 'the database');
  command
    .action(async (opts: BackupOptions) => {
      const compressionChange = compressionChangeFrom(opts.compressMethod, opts.compressLevel);
      const compressWorkers = parseCompressOption(opts.compressWorkers, 'workers');
      if (opts.format !== undefined && opts.format !== 'custom' && opts.format !== 'plain') {
        throw new LifeboatError('BAD_INPUT', `Unknown format "${opts.format}"; use --format custom or --format plain.`);
      }
      if (!['exact', 'estimated', 'auto'].includes(opts.rowCounts)) {
        throw new LifeboatError('BAD_INPUT', `Unknown row count mode "${opts.rowCounts}"; use exact, estimated or auto.`);
      }
      if (!opts.globals && opts.withRolePasswords) throw new LifeboatError('BAD_INPUT', '--with-role-passwords and --no-globals contradict each other; keep one.');
      // Before the profile's secrets are read or anything is dumped: a bad URL changes nothing.
      const adHocCopies = opts.copyTo ? parseCopyTargets(opts.copyTo, process.env) : undefined;
      const profile = opts.profile ? await resolveProfile(opts.profile) : null;
      const compression = mergeCompression(profile?.compression, compressionChange ?? {});
      const progress = opts.json ? { onProgress: () => undefined, done: () => undefined } : terminalProgress();
      try {
        const request: BackupRequest = {
          db: await connectionWithSsh(opts.db ?? profile?.db, opts),
          to: opts.to ?? profile?.target,
          copyTo: adHocCopies ?? profile?.copies ?? [],
          format: opts.format ?? profile?.format ?? 'custom',
          encryption: profile?.encryptionKey ?? null,
          label: opts.label ?? null,
          pin: opts.pin ?? false,
          rowCounts: opts.rowCounts as 'exact' | 'estimated' | 'auto',
          globals: !opts.globals ? 'skip' : opts.withRolePasswords ? 'with-passwords' : 'no-passwords',
          // The command line wins over the profile (a level alone keeps the profile's method).
          compressMethod: compression.method,
          compressLevel: compression.level ?? undefined,
          compressWorkers,
          pgBinDir: globals().pgBin,
          signal: interruptSignal(),
          onProgress: progress.onProgress,
          ...frozenClock(),
        };
        if (opts.allDatabases) {
          await backupAllDatabases(request, opts.profile ?? null, opts.json ?? false);
          return;
        }
        const r = await runLoggedBackup(request, ActivityLog.forEnv(), opts.profile ?? null);
        progress.done();
        if (r.manifest.rowCountsNote) process.stderr.write(`lifeboat: note: ${r.manifest.rowCountsNote}\n`);
        const partly = describeFailedCopies(r.copies);
        if (opts.json) {
          printJson({
            key: r.key,
            storage: r.storage,
            size: r.sizeBytes,
            sha256: r.sha256,
            durationMs: r.durationMs,
            globals: r.manifest.globals?.name ?? null,
            ...(r.copies.length > 0 ? { copies: r.copies, partlyCopied: partly !== null } : {}),
            ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}),
          });
        } else {
          process.stdout.write(`${r.key}\n`);
          for (const w of r.warnings) process.stderr.write(`lifeboat: warning: ${w}\n`);
          const made = r.copies.filter((c) => c.status === 'copied');
          if (made.length > 0) process.stderr.write(`lifeboat: copied to ${made.map((c) => c.storage).join(', ')} (checked: size and SHA-256).\n`);
        }
        // Never silently: the backup exists, but not everywhere it was asked to be.
        if (partly) {
          process.stderr.write(`lifeboat: ${partly}\n`);
          process.exitCode = PARTLY_COPIED_EXIT;
        }
      } finally {
        progress.done();
      }
    });
}

function frozenClock(): { now?: () => Date } {
  const at = testNow();
  return at ? { now: () => at } : {};
}
