import type { Command } from 'commander';
import type { BackupEntry } from '../../../shared/backup-entry.js';
import { formatBytes } from '../../../shared/progress.js';
import { keySafeDatabaseName, parseBackupKey } from '../../../shared/backup-key.js';
import { describeInterruptedBackups, listInterruptedBackups } from '../../engine/backup/interrupted-backups.js';
import { listBackups } from '../../engine/backup/list-backups.js';
import { openStorage } from '../../engine/storage/open-storage.js';
import { resolveProfile } from '../../engine/profiles/resolve-profile.js';
import { parseStorageTarget, type StorageTarget } from '../../engine/storage/target.js';
import { printJson } from '../output.js';

interface ListOptions {
  profile?: string;
  to?: string;
  dbName?: string;
  json?: boolean;
}

/** Only the storage part of a profile: listing needs no database password or encryption key. */
async function resolveListTarget(name: string): Promise<StorageTarget> {
  return (await resolveProfile(name, process.env, { dbPassword: false, encryptionKey: false })).target;
}

export async function runListCommand(opts: ListOptions): Promise<void> {
  const target = opts.profile && !opts.to ? await resolveListTarget(opts.profile) : parseStorageTarget(opts.to);
  const storage = openStorage(target);
  await storage.checkReadable();
  const entries = await listBackups(storage, { prefix: target.prefix, dbName: opts.dbName });
  const interrupted = (await listInterruptedBackups(storage, target.prefix)).backups.filter(
    (b) => opts.dbName === undefined || parseBackupKey(b.key)?.dbName === keySafeDatabaseName(opts.dbName),
  );
  // On stderr in both modes: `--json` stays the array of restorable backups that scripts expect.
  const note = describeInterruptedBackups(interrupted);
  if (note) process.stderr.write(`lifeboat: ${note}\n`);
  if (opts.json) {
    printJson(entries);
    return;
  }
  if (entries.length === 0) {
    process.stdout.write(`No backups in ${storage.display}${opts.dbName ? ` for database "${opts.dbName}"` : ''}.\n`);
    return;
  }
  const rows = entries.map((e) => [
    e.key,
    e.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    formatBytes(e.sizeBytes),
    e.pinned ? 'pinned' : '',
    e.encrypted ? 'encrypted' : '',
    e.hasManifest ? 'manifest' : e.manifestProblem ? 'not understood (kept)' : 'no manifest',
    copiesColumn(e),
    e.label ?? '',
  ]);
  const header = ['KEY', 'CREATED (UTC)', 'SIZE', 'PIN', 'ENC', 'MANIFEST', 'COPIES', 'LABEL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cols: string[]): string => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  const sets = describeSets(entries);
  if (sets.length > 0) process.stdout.write(`\nSets (lifeboat backup --all-databases; restore one with lifeboat restore --group ID --server URL):\n${sets.map((l) => `  ${l}`).join('\n')}\n`);
}

/** One line per set of backups taken together: its id, how many of its backups are there, and which databases. */
export function describeSets(entries: readonly BackupEntry[]): string[] {
  const sets = new Map<string, { size: number; databases: string[] }>();
  for (const e of entries) {
    if (!e.group) continue;
    const set = sets.get(e.group.id) ?? { size: e.group.size, databases: [] };
    set.databases.push(e.dbName);
    sets.set(e.group.id, set);
  }
  return [...sets.entries()].map(([id, s]) => `${id}  ${s.databases.length} of ${s.size} databases${s.databases.length < s.size ? ' (incomplete)' : ''}: ${s.databases.sort().join(', ')}`);
}

/** "2 copies", "1 copy (partly copied)": how many places held the backup when it was made. */
function copiesColumn(e: BackupEntry): string {
  const n = e.copies ?? 1;
  return `${n} ${n === 1 ? 'copy' : 'copies'}${(e.copiesFailed?.length ?? 0) > 0 ? ' (partly copied)' : ''}`;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('List backups, newest first (also those other tools wrote in the same layout)')
    .option('--profile <name>', 'list the storage of a saved profile')
    .option('--to <storage-url>', 's3://bucket[/prefix] or file:///folder (default: BACKUP_S3_BUCKET, else the local folder)')
    .option('--db-name <name>', 'only backups of this database')
    .option('--json', 'print a JSON array')
    .action(runListCommand);
}
