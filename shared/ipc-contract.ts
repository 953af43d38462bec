// The one contract between the UI and the engine. Every call (request schema → response type) and
// every event (payload type) lives here. Electron's IPC (electron/main/ipc-registration.ts +
// electron/preload/preload.cts) and the browser harness's HTTP bridge (electron/web/) both carry
// exactly this contract, so the renderer cannot tell them apart.
//
// Types and pure values only (zod schemas are data): no Node, no DOM, no electron.
import { z } from 'zod';
import type { ErrorHint } from './error-hint.js';
import type { BackupEntry, InterruptedBackup } from './backup-entry.js';
import { backupKeyProblem } from './backup-key.js';
import type { JobProgress } from './progress.js';
import { ACTIVITY_KINDS, type ActivityEntry } from './activity.js';
import type { RetentionPlan } from './retention.js';
import type { StatusReport } from './report.js';
import type { DeliveryStatus } from './notification.js';
import type { BackupContents, BackupDiff, TablePeek, TableRowDiff } from './backup-contents.js';
import type { RestorePlan } from './restore-plan.js';

// ---------------------------------------------------------------------------------------------
// Shapes that cross the boundary

/** A database and where its backups go. The password is never part of it (write-only, see targets.save). */
export interface TargetView {
  id: string;
  name: string;
  /** libpq URL without any password. */
  dbUrl: string;
  /** s3://bucket[/prefix]?endpoint=… or file:///folder; never holds credentials. */
  storageUrl: string;
  /** True when a password is held for this target (its value never leaves the main process). */
  hasPassword: boolean;
  /** True when S3 keys for its storage are in the keychain (write-only from the UI). */
  hasS3Credentials?: boolean;
  /** "Also copy to…": extra places every backup is copied to (URLs without credentials). */
  copyUrls?: string[];
  /** "Reach through SSH": absent or null when the database is reached directly. */
  ssh?: SshView | null;
}

/** A saved SSH route as the UI may see it: never the private key, only whether one is stored. */
export interface SshView {
  /** user@host[:port] of the SSH server. */
  destination: string;
  /** 'key': a private key kept in the keychain; 'agent': the running SSH agent logs in. */
  login: 'key' | 'agent';
  /** The host key is checked against this known_hosts file (null: ~/.ssh/known_hosts)… */
  knownHostsFile: string | null;
  /** …or must be exactly this pinned fingerprint (SHA256:…). */
  hostKeyFingerprint: string | null;
}

export type JobKind = 'backup' | 'restore' | 'extract' | 'verify';
export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobView {
  id: string;
  kind: JobKind;
  /** What the job is about, in words: "Back up shop to s3://backups/database_backups". */
  title: string;
  targetId: string | null;
  state: JobState;
  startedAt: string;
  finishedAt: string | null;
  progress: JobProgress | null;
  /** For a failed job: what happened and what to do. */
  error: { code: string; message: string } | null;
  /** For a finished backup: the key it wrote; for a restore or extract: the backup it read. */
  resultKey: string | null;
  /** For a finished restore or extract: the database written (a temporary one for extracts). */
  resultDatabase: string | null;
  /** Its URL, without password (what a DBA pastes into psql). */
  resultUrl: string | null;
  /** True when resultDatabase is a temporary database Lifeboat may drop. */
  resultTemporary: boolean;
  /** For a restore, extract or verification that read a copy destination because the storage could not give the backup: which, and why. */
  resultNote?: string | null;
}

export interface ConnectionReport {
  serverVersion: string;
  database: string;
  databaseSizeBytes: number;
  /** The pg_dump that a backup will use, or null with `pgDumpProblem` saying what to install. */
  pgDump: { path: string; version: string } | null;
  pgDumpProblem: string | null;
}

export interface StorageReport {
  /** Where, as a URL without secrets. */
  display: string;
  backupCount: number;
}

export interface AppInfo {
  version: string;
  platform: string;
  /** 'electron' inside the desktop app, 'web' in the browser harness. */
  shell: 'electron' | 'web';
  /** The local folder used when no storage is configured. */
  defaultStorageUrl: string;
}

/**
 * What a restore will do, shown before it starts: the engine's restore plan itself (see
 * shared/restore-plan.ts), which the restore then carries out.
 */
export type RestoreReview = RestorePlan;

export interface TableInBackup {
  schema: string;
  name: string;
  /** From the manifest (exact or estimated), null when unknown. */
  rows: number | null;
}

export interface RowPreview {
  columns: { name: string; type: string }[];
  rows: (string | null)[][];
  /** More rows matched than the preview shows. */
  truncated: boolean;
}

/**
 * One schedule of a target (a database may have several, by name, made in the app or with
 * `lifeboat scheduler add --profile`), as the UI shows and edits it.
 */
export interface ScheduleView {
  targetId: string;
  /** The schedule's name, unique across all databases. */
  name: string;
  when: { daily: string } | { cron: string };
  timezone: string | null;
  enabled: boolean;
  catchUp: boolean;
  retries: number;
  /** First retry delay in seconds (set with the CLI; the screen shows it and keeps it). */
  retryDelaySeconds: number;
  retention: { keepDays: number; keepLast: number } | null;
  verifyEveryDays: number | null;
  /** Verification restores into a temporary database on a server (set with the CLI); else quick. */
  verifyDeep: boolean;
  /** Recovery-time target of its drills (ms; `--rto`); null: none. */
  rtoMs: number | null;
  /** The next five runs (ISO, UTC); empty when disabled. */
  nextRuns: string[];
  lastOutcome: 'success' | 'failure' | 'cancelled' | null;
  lastRunAt: string | null;
  /** The newest slot another scheduler sharing the storage ran instead of this machine (lease), if any. */
  lastTakenElsewhere?: { slot: string; by: string; done: boolean; at: string } | null;
  /** Why the scheduler skips this schedule (bad cron or time zone in a hand-edited file); null when it runs. */
  problem?: string | null;
}

export interface NotificationChannelView {
  name: string;
  kind: 'json' | 'slack' | 'sentry';
  /** The environment variable holding the URL or DSN (never the URL itself: it carries a token). */
  urlEnv: string;
  /** Whether that variable is set in the app's environment. */
  configured: boolean;
  events: string[];
}

export type DeliveryView = DeliveryStatus;

// ---------------------------------------------------------------------------------------------
// Requests: every request entering the engine is parsed with these schemas first.

const id = z.string().min(1).max(200);
// Structure only here (no "..", no absolute path…); the engine also checks the storage's prefix.
const backupKey = z
  .string()
  .trim()
  .min(1, 'Choose a backup or paste its key.')
  .max(1024)
  .superRefine((key, ctx) => {
    const problem = backupKeyProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', message: `This backup key is refused because ${problem}; pick the backup from the list.` });
  });
const pgUrl = z.string().trim().min(1, 'Enter the database URL.').max(2000);
const tableName = z.string().trim().min(1, 'Choose a table.').max(300);

export const backupChoiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('latest') }).strict(),
  z.object({ kind: z.literal('key'), key: backupKey }).strict(),
]);

/** A dump file on the machine running the engine (Restore a file from disk…): its full path. */
const localFilePath = z
  .string()
  .trim()
  .min(1, 'Choose a dump file, or type its full path.')
  .max(4096, 'This path is longer than 4,096 characters.')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  .refine((p) => !/[\u0000-\u001f]/.test(p), 'The path contains control characters; type it on one line.')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'Type the full path of the file (starting with / or a drive letter).');

/** What a restore reads: a backup in the target's storage, or a dump file from disk. */
export const restoreSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('latest') }).strict(),
  z.object({ kind: z.literal('key'), key: backupKey }).strict(),
  z.object({ kind: z.literal('file'), path: localFilePath }).strict(),
]);
export type RestoreSourceInput = z.input<typeof restoreSourceSchema>;

export const restoreDestinationSchema = z.discriminatedUnion('kind', [
  /** A new temporary database on the target's own server. */
  z.object({ kind: z.literal('temp') }).strict(),
  /** create: a new database (must not exist); clean: replace an existing database's contents. */
  z.object({ kind: z.literal('database'), dbUrl: pgUrl, password: z.string().max(1000).nullable().optional(), mode: z.enum(['create', 'clean']) }).strict(),
]);
export type BackupChoiceInput = z.input<typeof backupChoiceSchema>;
export type RestoreDestinationInput = z.input<typeof restoreDestinationSchema>;

const extractSelection = {
  targetId: id,
  tempDatabase: z.string().min(1).max(63),
  table: tableName,
  /** The part after WHERE, run read-only in the temporary database. */
  where: z.string().max(10_000).optional(),
};
const text = (max: number) => z.string().max(max);
/**
 * "Reach through SSH" as the form sends it. `privateKey` is write-only: the key's text for the
 * keychain (`privateKeyName` only words messages about it); null logs in with the SSH agent;
 * absent keeps the stored way of logging in.
 */
const sshInput = z
  .object({
    destination: text(300).trim().min(1, 'Enter the SSH server as user@host or user@host:port.'),
    privateKey: z.string().min(1, 'Choose the private key file, or log in with the SSH agent.').max(32_000, 'This is not a private key (it is longer than 32,000 characters).').nullable().optional(),
    privateKeyName: text(255).trim().optional(),
    hostCheck: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('known-hosts'), file: text(4096).trim().refine((p) => p === '' || p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'Type the full path of the known_hosts file (starting with / or a drive letter), or leave it empty for ~/.ssh/known_hosts.').nullable() }).strict(),
      z.object({ kind: z.literal('fingerprint'), fingerprint: text(200).trim().min(1, 'Enter the host key fingerprint (SHA256:…), as ssh-keygen -lf prints it.') }).strict(),
    ]),
  })
  .strict();
export type SshInput = z.input<typeof sshInput>;
const scheduleName = z
  .string()
  .trim()
  .min(1, 'Enter a name for the schedule.')
  .max(100, 'Keep the schedule name to 100 characters.')
  .regex(/^[\p{L}\p{N}_. -]+$/u, 'Use letters, digits, spaces, dots, dashes or underscores in the schedule name.');

export const callSchemas = {
  'app.info': z.object({}).strict(),
  /** Whether the desktop app starts when the user logs in (so schedules run without opening it). */
  'app.loginItem.get': z.object({}).strict(),
  'app.loginItem.set': z.object({ openAtLogin: z.boolean() }).strict(),
  'targets.list': z.object({}).strict(),
  /** Creates (no id) or updates a target. `password` is write-only: null clears it, absent keeps it. */
  'targets.save': z
    .object({
      id: id.optional(),
      name: text(100).trim().min(1, 'Give the target a name.'),
      dbUrl: text(2000).trim().min(1, 'Enter the database URL.'),
      storageUrl: text(2000).trim(),
      /** "Also copy to…": replaces the list of copy destinations; absent keeps it. */
      copyUrls: z.array(text(2000).trim()).max(8).optional(),
      /** "Reach through SSH": replaces the saved route; null removes it (explicitly); absent keeps it. */
      ssh: sshInput.nullable().optional(),
      password: z.string().max(1000).nullable().optional(),
      /** Write-only S3 keys for the keychain; null removes them; absent keeps what is stored. */
      s3Credentials: z
        .object({ accessKeyId: text(200).trim().min(1, 'Enter the S3 access key id.'), secretAccessKey: z.string().min(1, 'Enter the S3 secret access key.').max(1000) })
        .strict()
        .nullable()
        .optional(),
    })
    .strict(),
  'targets.remove': z.object({ id }).strict(),
  /**
   * `ssh` is the route on the form (null: directly); absent: a saved target's own route when the URL
   * is its own. Without a typed private key, the saved target's key is used for its own SSH server only.
   */
  'connection.test': z
    .object({ dbUrl: text(2000).trim().min(1, 'Enter the database URL.'), password: z.string().max(1000).nullable().optional(), targetId: id.optional(), ssh: sshInput.nullable().optional() })
    .strict(),
  /**
   * S3 keys typed into the form (not saved yet) are tested as they are; otherwise, with targetId, a
   * saved target's S3 keys from the keychain are used (when the URL is its own).
   */
  'storage.test': z
    .object({
      storageUrl: text(2000).trim(),
      targetId: id.optional(),
      s3Credentials: z.object({ accessKeyId: text(200).trim().min(1, 'Enter the S3 access key id.'), secretAccessKey: z.string().min(1, 'Enter the S3 secret access key.').max(1000) }).strict().optional(),
    })
    .strict(),
  'backups.list': z.object({ targetId: id }).strict(),
  'backup.start': z
    .object({
      targetId: id,
      label: text(200).nullable().optional(),
      pin: z.boolean().optional(),
      format: z.enum(['custom', 'plain']).optional(),
    })
    .strict(),
  /**
   * withGlobals: create the roles (and tablespaces, where their directories exist) the backup needs
   * that the target lacks, first (keeps owners and privileges). noTablespaces: put every object in
   * the database's default tablespace.
   */
  'restore.review': z.object({ targetId: id, backup: restoreSourceSchema, destination: restoreDestinationSchema, withGlobals: z.boolean().optional(), noTablespaces: z.boolean().optional() }).strict(),
  /** Destructive restores must carry the target database's name, typed by the user. */
  'restore.start': z
    .object({
      targetId: id,
      backup: restoreSourceSchema,
      destination: restoreDestinationSchema,
      withGlobals: z.boolean().optional(),
      noTablespaces: z.boolean().optional(),
      confirmName: z.string().max(200).optional(),
      /** The reviewed plan's time: the temporary database gets the name the review showed. */
      plannedAt: z.string().datetime().optional(),
    })
    .strict(),
  'temp.drop': z.object({ targetId: id, name: z.string().min(1).max(63) }).strict(),
  'extract.tables': z.object({ targetId: id, backup: backupChoiceSchema }).strict(),
  /** Restores the chosen tables into a temporary database (a job). */
  'extract.prepare': z.object({ targetId: id, backup: backupChoiceSchema, tables: z.array(tableName).min(1, 'Choose at least one table.').max(500) }).strict(),
  'extract.preview': z.object({ ...extractSelection, limit: z.number().int().min(1).max(1000).optional() }).strict(),
  'extract.export': z.object({ ...extractSelection, format: z.enum(['csv', 'json', 'sql']) }).strict(),
  'extract.copy': z.object({ ...extractSelection, intoDbUrl: pgUrl, password: z.string().max(1000).nullable().optional() }).strict(),
  /** Reads the whole backup (size, SHA-256, contents); deep also restores it into a temporary database. */
  'backup.verify': z.object({ targetId: id, key: backupKey, deep: z.boolean().optional() }).strict(),
  /** Retention never removes a pinned backup. */
  'backup.pin': z.object({ targetId: id, key: backupKey, pinned: z.boolean() }).strict(),
  'jobs.list': z.object({}).strict(),
  'jobs.cancel': z.object({ jobId: id }).strict(),
  // Automation
  'schedules.list': z.object({}).strict(),
  'schedules.save': z
    .object({
      targetId: id,
      /** Which of the database's schedules; absent: the one named like the database (what older apps saved). */
      name: scheduleName.optional(),
      when: z.union([
        z.object({ daily: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Give the time as HH:MM, e.g. 03:00.') }).strict(),
        z.object({ cron: text(200).trim().min(1, 'Enter a cron expression.') }).strict(),
      ]),
      timezone: text(100).nullable().optional(),
      enabled: z.boolean(),
      catchUp: z.boolean().optional(),
      retries: z.number().int().min(0).max(10).optional(),
      retention: z.object({ keepDays: z.number().int().min(0).max(36500), keepLast: z.number().int().min(1, 'Keep at least the newest backup.').max(10000) }).strict().nullable(),
      verifyEveryDays: z.number().min(0).max(365).nullable().optional(),
      rtoMs: z.number().int().positive('The recovery-time target must be longer than zero.').max(7 * 86_400_000, 'Give a recovery-time target of at most 7 days.').nullable().optional(),
    })
    .strict(),
  /** Removes one schedule of the database, by name (absent: the one named like the database). */
  'schedules.remove': z.object({ targetId: id, name: scheduleName.optional() }).strict(),
  /** One run of the schedule, now, exactly as the scheduler would run it (same engine function as `lifeboat scheduler run-now`). */
  'schedules.runNow': z.object({ targetId: id, name: scheduleName }).strict(),
  /** The next five runs of a timing, for the editor's live preview (nothing is saved). */
  'schedules.preview': z
    .object({ when: z.union([z.object({ daily: text(5) }).strict(), z.object({ cron: text(200) }).strict()]), timezone: text(100).nullable().optional() })
    .strict(),
  /** Scheduled (future) runs of every enabled schedule in [from, to), for the calendar. */
  'schedules.calendar': z.object({ from: z.iso.datetime(), to: z.iso.datetime() }).strict(),
  /** What a retention policy would delete for a target, now (nothing is deleted). */
  'retention.preview': z.object({ targetId: id, keepDays: z.number().int().min(0).max(36500), keepLast: z.number().int().min(1, 'Keep at least the newest backup.').max(10000) }).strict(),
  'notifications.list': z.object({}).strict(),
  'notifications.test': z.object({}).strict(),
  'activity.list': z
    .object({
      targetId: id.optional(),
      kind: z.enum(ACTIVITY_KINDS).optional(),
      outcome: z.enum(['success', 'failure', 'cancelled', 'skipped', 'info']).optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    })
    .strict(),
  'report.get': z.object({ days: z.number().int().min(1).max(366) }).strict(),
  // Browse and Compare: read from a backup's index and data blocks, nothing is restored.
  /** A backup's schemas, tables (rows, size) and other objects. */
  'browse.show': z.object({ targetId: id, key: backupKey }).strict(),
  /** The first rows of one table, straight from the backup. */
  'browse.peek': z.object({ targetId: id, key: backupKey, table: tableName, limit: z.number().int().min(1).max(1000).optional() }).strict(),
  /** What changed from one backup (before) to another (after): tables and definitions. */
  'compare.backups': z.object({ targetId: id, before: backupKey, after: backupKey }).strict(),
  /** What changed in the target's live database since this backup. */
  'compare.live': z.object({ targetId: id, key: backupKey }).strict(),
  /** The rows of one table that changed, by primary key; after is another backup, or absent for the live database. */
  'compare.rows': z.object({ targetId: id, before: backupKey, after: backupKey.optional(), table: tableName, limit: z.number().int().min(1).max(1000).optional() }).strict(),
} as const;

export type CallName = keyof typeof callSchemas;
export type CallRequest<K extends CallName> = z.input<(typeof callSchemas)[K]>;
export type ParsedCallRequest<K extends CallName> = z.output<(typeof callSchemas)[K]>;

export interface CallResponses {
  'app.info': AppInfo;
  /** supported is false in the browser harness, where there is no app to start. */
  'app.loginItem.get': { supported: boolean; openAtLogin: boolean };
  'app.loginItem.set': { supported: boolean; openAtLogin: boolean };
  'targets.list': TargetView[];
  'targets.save': TargetView;
  'targets.remove': { removed: boolean };
  'connection.test': ConnectionReport;
  'storage.test': StorageReport;
  /**
   * `interrupted`: backups of this database that started and never finished (killed, or still
   * running), with one sentence for the calendar; null when there are none.
   */
  /** `fromCopy`: the storage could not be read, so `backups` are what its first readable copy holds (`storage` names it), and why. */
  'backups.list': { targetId: string; storage: string; backups: BackupEntry[]; interrupted?: InterruptedBackup[]; interruptedSummary?: string | null; listedAt: string; fromCopy?: string };
  'backup.start': JobView;
  'restore.review': RestoreReview;
  'restore.start': JobView;
  'temp.drop': { dropped: boolean };
  'extract.tables': { key: string; tables: TableInBackup[]; fromCopy?: string };
  'extract.prepare': JobView;
  'extract.preview': RowPreview;
  'extract.export': { filename: string; mimeType: string; content: string; rowCount: number };
  'extract.copy': { database: string; inserted: number; skipped: number };
  'backup.verify': JobView;
  'backup.pin': { key: string; pinned: boolean };
  'jobs.list': { running: JobView[]; recent: JobView[] };
  'jobs.cancel': { cancelled: boolean };
  'schedules.list': ScheduleView[];
  'schedules.save': ScheduleView;
  /** `leases`: what became of the schedule's slot leases in its storage, in one or two sentences. */
  'schedules.remove': { removed: boolean; leases?: string | null };
  /** `partlyCopied`: a success whose backup some copy destinations do not hold, in one sentence. */
  'schedules.runNow': { outcome: 'success' | 'failure' | 'cancelled'; key: string | null; error: string | null; attempts: number; partlyCopied?: string | null };
  'schedules.preview': { nextRuns: string[]; problem: string | null };
  'schedules.calendar': { runs: { targetId: string; at: string }[] };
  'retention.preview': RetentionPlan;
  'notifications.list': { channels: NotificationChannelView[] };
  'notifications.test': { deliveries: DeliveryView[] };
  'activity.list': ActivityEntry[];
  'report.get': { report: StatusReport; html: string };
  'browse.show': BackupContents;
  'browse.peek': TablePeek;
  'compare.backups': BackupDiff;
  'compare.live': BackupDiff;
  'compare.rows': TableRowDiff;
}
export type CallResponse<K extends CallName> = CallResponses[K];

export const CALL_NAMES = Object.keys(callSchemas) as CallName[];

export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(callSchemas, name);
}

// ---------------------------------------------------------------------------------------------
// Events: pushed from the engine to every window (throttled where they can be frequent).

export interface EventPayloads {
  /** A job began. */
  'job.started': JobView;
  /** Throttled progress of a running job. */
  'job.progress': JobProgress;
  /** A job ended: exactly one per job, with state done, failed or cancelled. */
  'job.finished': JobView;
  /** Something was written to or removed from a target's storage; lists should refresh. */
  'backups.changed': { targetId: string };
  /** Targets were added, changed or removed. */
  'targets.changed': { targets: TargetView[] };
  /** Schedules were saved or removed, or a scheduled run ended; schedule views and the calendar refresh. */
  'schedules.changed': { schedules: ScheduleView[] };
}
export type EventName = keyof EventPayloads;
export const EVENT_NAMES: readonly EventName[] = ['job.started', 'job.progress', 'job.finished', 'backups.changed', 'targets.changed', 'schedules.changed'];

export interface EventEnvelope<E extends EventName = EventName> {
  name: E;
  payload: EventPayloads[E];
}

// ---------------------------------------------------------------------------------------------
// Results: errors cross as values, never as thrown objects (structured clone loses classes).

export interface IpcError {
  code: string;
  /** The sentence to show, the hint already in the app's words. */
  message: string;
  /** What the user can do, as data (the renderer may offer a button for it). */
  hint?: ErrorHint;
}
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/**
 * What both transports provide (the preload's `window.lifeboat` and the HTTP bridge): results
 * as values and an event subscription that returns its unsubscribe function.
 */
export interface LifeboatBridge {
  invoke<K extends CallName>(name: K, request: CallRequest<K>): Promise<IpcResult<CallResponse<K>>>;
  subscribe<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): () => void;
  /**
   * Desktop app only: where a File the user chose or dropped lies on disk (Electron's
   * webUtils.getPathForFile, in the preload; "" when it has none). A browser never tells.
   */
  localFilePath?: (file: unknown) => string;
}

/** The Electron channel names; only the two raw-IPC files use them. */
export const IPC_CALL_CHANNEL = 'lifeboat:call';
export const IPC_EVENT_CHANNEL = 'lifeboat:event';

/** Turns a zod failure into the one sentence the user reads. */
export function describeValidationError(name: string, error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return `The request "${name}" is not valid.`;
  const where = first.path.length > 0 ? ` (${first.path.join('.')})` : '';
  const msg = first.message.endsWith('.') ? first.message : `${first.message}.`;
  return `The request "${name}" was rejected${where}: ${msg}`;
}

/** Validates a request against the contract; used by every transport on the engine side. */
export function parseCallRequest(name: string, raw: unknown): { ok: true; name: CallName; request: unknown } | { ok: false; error: IpcError } {
  if (!isCallName(name)) return { ok: false, error: { code: 'BAD_REQUEST', message: `There is no call named "${name}"; update the app.` } };
  const r = callSchemas[name].safeParse(raw ?? {});
  if (!r.success) return { ok: false, error: { code: 'BAD_REQUEST', message: describeValidationError(name, r.error) } };
  return { ok: true, name, request: r.data };
}
