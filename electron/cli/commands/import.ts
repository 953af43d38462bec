import type { Command } from 'commander';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { recordOperation } from '../../engine/activity/record-operation.js';
import { importFile } from '../../engine/backup/import-file.js';
import { LifeboatError } from '../../engine/errors.js';
import { resolveProfile } from '../../engine/profiles/resolve-profile.js';
import { interruptSignal, printJson, terminalProgress } from '../output.js';
import { testNow } from '../test-clock.js';

interface ImportOptions {
  file?: string;
  profile?: string;
  to?: string;
  dbName?: string;
  takenAt?: string;
  label?: string;
  pin: boolean;
  json?: boolean;
}

/** A dump time must say its zone: "03:10" alone would be read in whichever zone this machine is in. */
export function parseTakenAt(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim()) ? new Date(value.trim().replace(' ', 'T')) : null;
  if (!at || Number.isNaN(at.getTime())) {
    throw new LifeboatError('BAD_INPUT', `--taken-at must be a date and time with its zone, such as 2025-05-15T03:10:12Z or 2025-05-15T05:10:12+02:00; got "${value}".`);
  }
  return at;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description("Upload a dump file from disk into a storage as a backup (seed layout, manifest), so it is listed and restorable like the others")
    .option('--file <path>', 'the dump: a custom archive, .sql, .sql.gz or a Lifeboat .enc (its kind is read from its content)')
    .option('--profile <name>', "into this saved profile's storage (an unencrypted file is encrypted with the profile's key, if it has one)")
    .option('--to <storage-url>', 'into this storage: s3://bucket[/prefix] or file:///folder (default as for backup)')
    .option('--db-name <name>', 'the database the dump is of (default: from the archive header, or a seed-style file name)')
    .option('--taken-at <time>', 'when the dump was taken, with its zone, e.g. 2025-05-15T03:10:12Z (default: from the archive header, a seed-style file name, or the file\'s modification time)')
    .option('--label <text>', 'a note kept in the manifest')
    .option('--no-pin', 'let retention delete it like any other backup (imported dumps are pinned by default)')
    .option('--json', 'print one JSON object')
    .action(async (opts: ImportOptions) => {
      const file = opts.file;
      if (!file) throw new LifeboatError('BAD_INPUT', 'Say which file to import with --file PATH.');
      if (opts.to !== undefined && opts.profile !== undefined) throw new LifeboatError('BAD_INPUT', 'Give either --profile or --to, not both.');
      const takenAt = parseTakenAt(opts.takenAt);
      const profile = opts.profile ? await resolveProfile(opts.profile, process.env, { dbPassword: false }) : null;
      const progress = opts.json ? { onProgress: () => undefined, done: () => undefined } : terminalProgress();
      try {
        const now = testNow();
        // Logged like a backup, under its own kind: the 90-day history counts only what Lifeboat dumped.
        const info = { kind: 'import' as const, profile: opts.profile ?? null, storage: opts.to ?? opts.profile ?? null, key: null, summary: 'Imported' };
        const r = await recordOperation(ActivityLog.forEnv(), info, () => importFile({
          file,
          to: opts.to ?? profile?.target,
          dbName: opts.dbName,
          takenAt,
          encryption: profile?.encryptionKey ?? null,
          label: opts.label ?? null,
          pin: opts.pin,
          signal: interruptSignal(),
          onProgress: progress.onProgress,
          ...(now ? { now: () => now } : {}),
        }), (res) => ({ key: res.key, bytes: res.sizeBytes, summary: `Imported ${file} as a backup of "${res.manifest.database}"`, details: { database: res.manifest.database, pinned: res.manifest.pinned, takenAt: res.manifest.startedAt } }));
        progress.done();
        if (opts.json) {
          printJson({ key: r.key, storage: r.storage, size: r.sizeBytes, sha256: r.sha256, database: r.manifest.database, databaseFrom: r.dbNameFrom, takenAt: r.manifest.startedAt, takenAtFrom: r.takenAtFrom, pinned: r.manifest.pinned, ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}) });
        } else {
          process.stdout.write(`${r.key}\n`);
          process.stderr.write(`lifeboat: imported as a backup of "${r.manifest.database}" (from the ${r.dbNameFrom}) taken at ${r.manifest.startedAt} (from the ${r.takenAtFrom})${r.manifest.pinned ? ', pinned' : ''}.\n`);
          for (const w of r.warnings) process.stderr.write(`lifeboat: warning: ${w}\n`);
        }
      } finally {
        progress.done();
      }
    });
}
