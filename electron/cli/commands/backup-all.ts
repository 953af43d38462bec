import { ActivityLog } from '../../engine/activity/activity-log.js';
import { runLoggedBackup } from '../../engine/activity/logged-backup.js';
import type { BackupRequest } from '../../engine/backup/backup-request.js';
import { runServerBackup } from '../../engine/backup/server-backup.js';
import { printJson } from '../output.js';

/** `lifeboat backup --all-databases`: each database's backup is logged like a single one; the set is printed together. */
export async function backupAllDatabases(request: BackupRequest, profile: string | null, json: boolean): Promise<void> {
  const log = ActivityLog.forEnv();
  const r = await runServerBackup(request, (one) => runLoggedBackup(one, log, profile));
  const globalsIn = r.results.find((x) => x.manifest.globals)?.key ?? null;
  const warnings = r.results.flatMap((x) => x.warnings);
  if (json) {
    printJson({
      group: r.groupId,
      databases: r.databases,
      backups: r.results.map((x) => ({ database: x.manifest.database, key: x.key, size: x.sizeBytes, sha256: x.sha256, globals: x.manifest.globals?.name ?? null })),
      failures: r.failures,
      ...(warnings.length > 0 ? { warnings } : {}),
    });
  } else {
    for (const x of r.results) process.stdout.write(`${x.key}\n`);
    for (const w of warnings) process.stderr.write(`lifeboat: warning: ${w}\n`);
    process.stderr.write(`lifeboat: set ${r.groupId}: ${r.results.length} of ${r.databases.length} databases backed up${globalsIn ? `; the server's globals are beside ${globalsIn}` : ''}.\n`);
  }
  for (const f of r.failures) process.stderr.write(`lifeboat: error: the backup of database "${f.database}" failed: ${f.message}\n`);
  // The backups that succeeded are kept and usable; the set is incomplete, which the exit status says.
  if (r.failures.length > 0) process.exitCode = 1;
}
