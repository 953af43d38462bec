import { ActivityLog } from '../../engine/activity/activity-log.js';
import { recordOperation } from '../../engine/activity/record-operation.js';
import { LifeboatError } from '../../engine/errors.js';
import { parsePgConnection } from '../../engine/pg/connection.js';
import { restoreGroup } from '../../engine/restore/restore-group.js';
import { storageOption } from '../profile-target.js';
import { interruptSignal, printJson, terminalProgress } from '../output.js';

interface GroupOptions {
  group?: string;
  server?: string;
  to?: string;
  profile?: string;
  json?: boolean;
  /** Commander's --no-tablespaces: false when given. */
  tablespaces?: boolean;
}

/**
 * Options of a single restore that mean nothing for a set (each database goes into a new database of
 * its name), or that it cannot honour yet (SSH reaches --target; a set goes to --server directly).
 * A set already creates its roles and keeps owners and privileges, so --with-globals, --keep-owner and
 * --keep-acl change nothing and are accepted.
 */
const SINGLE_ONLY = ['key', 'latest', 'file', 'target', 'create', 'clean', 'yes', 'temp', 'tables', 'schemas', 'dryRun', 'dbName', 'ssh', 'sshIdentity', 'sshAgent', 'sshKnownHosts', 'sshHostKey', 'lockTimeout', 'allowSystemDatabase'] as const;

/** `jobs`: restore --jobs, parsed by the restore command, for each database of the set. */
export async function restoreGroupCommand(opts: GroupOptions & Partial<Record<(typeof SINGLE_ONLY)[number], unknown>>, pgBinDir: string | undefined, jobs: number): Promise<void> {
  if (opts.group === undefined || opts.server === undefined) throw new LifeboatError('BAD_INPUT', 'A set is restored with both --group SET_ID and --server postgresql://user@host:5432/postgres.');
  const extra = SINGLE_ONLY.filter((o) => opts[o] !== undefined && opts[o] !== false);
  if (extra.length > 0) {
    throw new LifeboatError('BAD_INPUT', `--group restores every database of the set into a new database of its own name on --server, so ${extra.map((o) => `--${o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} do not apply; drop them.`);
  }
  const server = parsePgConnection(opts.server);
  const progress = opts.json ? { onProgress: () => undefined, done: () => undefined } : terminalProgress();
  try {
    const info = { kind: 'restore' as const, profile: opts.profile ?? null, storage: opts.to ?? opts.profile ?? null, key: opts.group, summary: 'Restored a set', secrets: [server.password ?? ''] };
    const r = await recordOperation(ActivityLog.forEnv(), info, async () => restoreGroup({ to: await storageOption(opts.to, opts.profile), groupId: opts.group as string, server: opts.server as string, noTablespaces: opts.tablespaces === false, jobs, pgBinDir, signal: interruptSignal(), onProgress: progress.onProgress }), (x) => ({
      key: x.groupId,
      summary: `Restored set ${x.groupId} into ${server.display}: ${x.restored.map((d) => d.database).join(', ')}`,
      details: { databases: x.restored.length, rolesCreated: x.rolesCreated.length },
    }));
    progress.done();
    if (opts.json) {
      printJson({ group: r.groupId, rolesCreated: r.rolesCreated, restored: r.restored.map((d) => ({ database: d.database, key: d.key, url: d.url })), skipped: r.skipped });
      return;
    }
    if (r.rolesCreated.length > 0) process.stdout.write(`Created roles: ${r.rolesCreated.join(', ')}\n`);
    for (const d of r.restored) process.stdout.write(`Restored ${d.key} into "${d.database}"\n`);
    for (const s of r.skipped) process.stderr.write(`lifeboat: note: "${s.database}" was not restored: ${s.reason}.\n`);
  } finally {
    progress.done();
  }
}
