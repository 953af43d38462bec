import type { CopiesRecord } from '../../shared/copies.js';
import { isBackupOf, type BackupEntry } from '../../shared/backup-entry.js';
import { withAppHint } from '../../shared/error-hint.js';
import { keySafeDatabaseName, parseBackupKey } from '../../shared/backup-key.js';
import type { CallName, CallResponse, ParsedCallRequest } from '../../shared/ipc-contract.js';
import type { LifeboatNotification } from '../../shared/notification.js';
import { describeInterruptedBackups, listInterruptedBackups } from '../engine/backup/interrupted-backups.js';
import { listBackups, type ManifestCacheEntry } from '../engine/backup/list-backups.js';
import { ActivityLog } from '../engine/activity/activity-log.js';
import { runLoggedBackup } from '../engine/activity/logged-backup.js';
import { compressionOf } from '../engine/compress/backup-compression.js';
import { selectPgDump } from '../engine/backup/run-backup.js';
import { setPinned } from '../engine/backup/set-pinned.js';
import { runLoggedVerify } from '../engine/verify/logged-verify.js';
import { firstReadablePlace } from '../engine/restore/backup-source.js';
import type { VerifyRecord } from '../../shared/verify-record.js';
import { LifeboatError } from '../engine/errors.js';
import { parsePgConnection } from '../engine/pg/connection.js';
import { withTunnel } from '../engine/ssh/with-tunnel.js';
import { checkPasswordScope } from '../engine/profiles/secret-scope.js';
import { connectClient, readServerInfo } from '../engine/pg/server-info.js';
import { openStorage } from '../engine/storage/open-storage.js';
import { parseStorageTarget, type StorageTarget } from '../engine/storage/target.js';
import { lifeboatVersion } from '../engine/version.js';
import { createAutomationService } from './automation-service.js';
import type { EventSink } from './event-sink.js';
import { JobRegistry } from './job-registry.js';
import { createBrowseHandlers } from './browse-handlers.js';
import { createRestoreHandlers } from './restore-handlers.js';
import { ProfileTargetStore } from './profile-target-store.js';
import { checkPasswordRoute, routeForTest } from './ssh-input.js';
import { connectionOf, withPassword } from './target-connection.js';
import type { TargetRepository } from './target-repository.js';

interface ListingCaches {
  manifests: Map<string, ManifestCacheEntry>;
  verifications: Map<string, { stamp: string; record: VerifyRecord | null }>;
  copyRecords: Map<string, { stamp: string; record: CopiesRecord | null }>;
}

/** One async function per call of the contract, taking the already-validated request. */
export type ServiceHandlers = { [K in CallName]: (request: ParsedCallRequest<K>) => Promise<CallResponse<K>> };

export interface AppServiceOptions {
  env?: NodeJS.ProcessEnv;
  emit: EventSink;
  shell: 'electron' | 'web';
  /** A folder with the pg_dump to prefer (LIFEBOAT_PG_BIN otherwise). */
  pgBinDir?: string | undefined;
  /** Desktop notifications for scheduled failures (Electron's Notification); absent in the browser harness. */
  notifyDesktop?: ((n: LifeboatNotification) => void) | undefined;
  /** The OS's "open at login" setting (Electron's app.get/setLoginItemSettings); absent in the browser harness. */
  loginItem?: { get(): boolean | Promise<boolean>; set(openAtLogin: boolean): void | Promise<void> } | undefined;
}

export interface AppService {
  handlers: ServiceHandlers;
  jobs: JobRegistry;
  targets: TargetRepository;
  /** Secrets the service holds, for scrubbing error messages. */
  secrets(): string[];
  /** The machine woke up (Electron's powerMonitor 'resume'): catch up missed scheduled runs. */
  wake(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The database a URL names (libpq's default is the user's name). */
export function databaseNameOf(dbUrl: string): string {
  try {
    const u = new URL(dbUrl);
    const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
    return db || decodeURIComponent(u.username) || 'postgres';
  } catch {
    return 'postgres';
  }
}

/**
 * The engine as the desktop app sees it: plain Node, no electron import, so the Electron main
 * process and the browser harness host exactly the same service.
 */
export function createAppService(opts: AppServiceOptions): AppService {
  const env = opts.env ?? process.env;
  const emit = opts.emit;
  const heldPasswords = new Set<string>();
  const jobs = new JobRegistry(emit, 200, 100, () => [...heldPasswords]);
  const targets: TargetRepository = new ProfileTargetStore(env);
  // What listings learnt per place (a target's storage, or one of its copies), so a refresh reads only what changed.
  const listingCaches = new Map<string, ListingCaches>();
  const listCaches = (place: string): ListingCaches => {
    let c = listingCaches.get(place);
    if (!c) {
      c = { manifests: new Map(), verifications: new Map(), copyRecords: new Map() };
      listingCaches.set(place, c);
    }
    return c;
  };
  const activityLog = ActivityLog.forEnv(env);
  const automation = createAutomationService({ env, emit, targets, pgBinDir: opts.pgBinDir, desktop: opts.notifyDesktop });
  // The scheduler runs while the app (or the browser harness) runs; a bad settings file is reported
  // by the schedule calls rather than stopping the app.
  void automation.start().catch(() => undefined);

  const announceTargets = async (): Promise<void> => emit('targets.changed', { targets: await targets.list() });

  const restoreHandlers = createRestoreHandlers({
    env,
    jobs,
    targets,
    pgBinDir: opts.pgBinDir,
    withPassword,
    log: activityLog,
    rememberSecret: (secret) => {
      if (secret) heldPasswords.add(secret);
    },
  });

  const browseHandlers = createBrowseHandlers({
    env,
    targets,
    pgBinDir: opts.pgBinDir,
    withPassword,
    rememberSecret: (secret) => {
      if (secret) heldPasswords.add(secret);
    },
  });

  const handlers: ServiceHandlers = {
    ...restoreHandlers,
    ...browseHandlers,
    'app.info': () =>
      Promise.resolve({ version: lifeboatVersion(), platform: process.platform, shell: opts.shell, defaultStorageUrl: targets.defaultStorageUrl() }),

    'app.loginItem.get': async () => ({ supported: opts.loginItem !== undefined, openAtLogin: (await opts.loginItem?.get()) ?? false }),

    'app.loginItem.set': async (req) => {
      if (!opts.loginItem) {
        throw new LifeboatError('BAD_INPUT', 'Starting at login is a setting of the desktop app; open Lifeboat itself (npm start) to change it.');
      }
      await opts.loginItem.set(req.openAtLogin);
      return { supported: true, openAtLogin: await opts.loginItem.get() };
    },

    'targets.list': () => targets.list(),

    'targets.save': async (req) => {
      const saved = await targets.save(req);
      if (req.password) heldPasswords.add(req.password);
      if (req.s3Credentials) heldPasswords.add(req.s3Credentials.secretAccessKey);
      if (req.ssh?.privateKey) heldPasswords.add(req.ssh.privateKey);
      await announceTargets();
      return saved;
    },

    'targets.remove': async (req) => {
      const removed = await targets.remove(req.id);
      if (removed) await announceTargets();
      return { removed };
    },

    'connection.test': async (req) => {
      const stored = req.targetId ? await targets.get(req.targetId) : null;
      // The route on the form (its jobs connect the same way); without one, a saved database's own
      // route when the URL is its own.
      const viaSsh = req.ssh ? routeForTest(req.ssh, stored, env) : req.ssh === null ? null : stored?.ssh && stored.dbUrl === req.dbUrl ? stored.ssh : null;
      if (req.ssh?.privateKey) heldPasswords.add(req.ssh.privateKey);
      // The stored password only ever goes where it was saved for; elsewhere the caller types it.
      if (!req.password && stored?.password) {
        checkPasswordScope(stored.dbUrl, req.dbUrl, env);
        checkPasswordRoute(stored.ssh, viaSsh);
      }
      const password = req.password ?? stored?.password ?? null;
      return withTunnel({ ...parsePgConnection(withPassword(req.dbUrl, password), env), ssh: viaSsh }, undefined, env, async (conn) => {
        const client = await connectClient(conn);
        try {
          const info = await readServerInfo(client, conn);
          let pgDump: { path: string; version: string } | null = null;
          let pgDumpProblem: string | null = null;
          try {
            const tool = await selectPgDump(info, opts.pgBinDir, env);
            pgDump = { path: tool.path, version: tool.version };
          } catch (e) {
            pgDumpProblem = e instanceof LifeboatError ? withAppHint(e.message, e.hint) : String(e);
          }
          return { serverVersion: info.version, database: info.database, databaseSizeBytes: info.databaseSizeBytes, pgDump, pgDumpProblem };
        } finally {
          await client.end().catch(() => undefined);
        }
      });
    },

    'storage.test': async (req) => {
      const url = req.storageUrl === '' ? targets.defaultStorageUrl() : req.storageUrl;
      // Keys typed into the form are what the user is about to save: test exactly those. Otherwise a
      // saved target's own storage is tested with its keychain S3 keys.
      let target: StorageTarget;
      if (req.s3Credentials) {
        heldPasswords.add(req.s3Credentials.secretAccessKey);
        target = parseStorageTarget(url, env);
        if (target.kind !== 's3') throw new LifeboatError('BAD_INPUT', 'S3 keys only apply to s3:// storage; clear the S3 key fields for a local folder.');
        target = { ...target, credentials: { accessKeyId: req.s3Credentials.accessKeyId, secretAccessKey: req.s3Credentials.secretAccessKey } };
      } else {
        const saved = req.targetId ? await targets.get(req.targetId) : null;
        target = saved && saved.storageUrl === url ? saved.storage : parseStorageTarget(url, env);
      }
      const storage = openStorage(target);
      await storage.checkWritable();
      const backups = await listBackups(storage, { prefix: target.prefix });
      return { display: storage.display, backupCount: backups.length };
    },

    'backups.list': async (req) => {
      const t = await targets.get(req.targetId);
      // When the storage cannot be read at all (gone, unreachable, no access), the calendar shows what
      // the first readable copy holds, and says so: a DBA restores from what exists, not from nothing.
      const listed = await firstReadablePlace(
        { to: t.storage, copies: t.copies },
        async (target) => {
          const storage = openStorage(target);
          const caches = listCaches(target === t.storage ? t.id : `${t.id}\u0000${storage.display}`);
          return { storage, target, all: await listBackups(storage, { prefix: target.prefix, manifestCache: caches.manifests, verifications: caches.verifications, copyRecords: caches.copyRecords }) };
        },
        (_listed, copy, primary, why) => `${primary} cannot be read (${why.replace(/\.$/, '')}), so these are the backups its copy at ${copy} holds; restore, partial recovery, Browse and verify read them from there, and new backups still go to ${primary}.`,
      );
      const { storage, target, all } = listed.value;
      // Backups of this target's database: by the manifest's exact name, or (for backups other
      // tools wrote, without a manifest) by the name in the key.
      const db = databaseNameOf(t.dbUrl);
      const safe = keySafeDatabaseName(db);
      const backups = all.filter((b: BackupEntry) => isBackupOf(b, db));
      const interrupted = (await listInterruptedBackups(storage, target.prefix)).backups.filter((b) => parseBackupKey(b.key)?.dbName === safe);
      return { targetId: t.id, storage: storage.display, backups, interrupted, interruptedSummary: describeInterruptedBackups(interrupted), listedAt: new Date().toISOString(), ...(listed.fromCopy ? { fromCopy: listed.fromCopy.note } : {}) };
    },

    'backup.start': async (req) => {
      const t = await targets.get(req.targetId, { forBackup: true });
      const target = t.storage;
      if (t.password) heldPasswords.add(t.password);
      return jobs.start({ kind: 'backup', title: `Back up ${t.name} to ${openStorage(target).display}`, targetId: t.id }, async (ctx) => {
        try {
          const r = await runLoggedBackup({
            db: connectionOf(t, env),
            to: target,
            copyTo: t.copies,
            format: req.format ?? 'custom',
            ...compressionOf(t.compression),
            label: req.label ?? null,
            pin: req.pin ?? false,
            encryption: t.encryptionKey,
            pgBinDir: opts.pgBinDir,
            signal: ctx.signal,
            onProgress: ctx.onProgress,
            env,
            jobId: ctx.jobId,
          }, activityLog, t.id);
          return { resultKey: r.key };
        } finally {
          emit('backups.changed', { targetId: t.id });
        }
      });
    },

    'backup.verify': async (req) => {
      const t = await targets.get(req.targetId);
      if (t.password) heldPasswords.add(t.password);
      const target = t.storage;
      return jobs.start({ kind: 'verify', title: `${req.deep ? 'Deep-verify' : 'Verify'} ${req.key}`, targetId: t.id }, async (ctx) => {
        // Read from the first readable copy when the storage cannot give the backup, and said in the result.
        const seen: { fromCopy: string | null } = { fromCopy: null };
        try {
          const record = await runLoggedVerify(
            {
              to: target,
              copies: t.copies,
              onSourceNote: (note) => {
                seen.fromCopy = note;
              },
              key: req.key,
              deep: req.deep ?? false,
              server: req.deep ? connectionOf(t, env) : undefined,
              pgBinDir: opts.pgBinDir,
              env,
              signal: ctx.signal,
              onProgress: ctx.onProgress,
            },
            activityLog,
            { profile: t.id, storage: openStorage(target).display, secrets: t.password ? [t.password] : [] },
          );
          // A verification that ran and found damage is a failed job, in the record's own words.
          const fromCopy = seen.fromCopy;
          if (record.outcome === 'failed') throw new LifeboatError('VERIFY_FAILED', `${record.problem ?? `Backup ${req.key} failed verification.`}${fromCopy ? ` (${fromCopy})` : ''}`);
          return { resultKey: record.key, resultNote: fromCopy };
        } finally {
          emit('backups.changed', { targetId: t.id });
        }
      });
    },

    'backup.pin': async (req) => {
      const t = await targets.get(req.targetId);
      const m = await setPinned(openStorage(t.storage), t.storage.prefix, req.key, req.pinned);
      emit('backups.changed', { targetId: t.id });
      return { key: req.key, pinned: m.pinned };
    },

    'jobs.list': () => Promise.resolve(jobs.list()),

    'jobs.cancel': (req) => Promise.resolve({ cancelled: jobs.cancel(req.jobId) }),

    ...automation.handlers,
  };

  return {
    handlers,
    jobs,
    targets,
    secrets: () => [...heldPasswords],
    wake: () => automation.wake(),
    shutdown: async () => {
      await automation.shutdown();
      await jobs.shutdown();
    },
  };
}
