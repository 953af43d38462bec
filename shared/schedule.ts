// Schedules and notification settings as stored in LIFEBOAT_HOME/automation.json. The file holds
// no secret: database URLs must not carry passwords (PGPASSWORD, ~/.pgpass or a profile's keychain
// entry supply them) and webhook URLs, which embed tokens, are read from environment variables.
import { z } from 'zod';
import { compressionSettingSchema } from './compression.js';

export const retentionPolicySchema = z.object({
  keepDays: z.number().int().min(0).max(36_500),
  keepLast: z.number().int().min(1).max(10_000),
  gfs: z.object({ daily: z.number().int().min(0), weekly: z.number().int().min(0), monthly: z.number().int().min(0) }).nullable().default(null),
});

export const whenSchema = z.union([
  z.object({ daily: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/) }),
  z.object({ cron: z.string().min(1) }),
]);

const scheduleFields = z.object({
  name: z.string().min(1).max(100).regex(/^[\p{L}\p{N}_. -]+$/u),
  /**
   * A profile (a database of the app): the profile alone says which database, which storage, which
   * format and which encryption key — db, to and format below are then unused.
   */
  profile: z.string().nullable().default(null),
  /** Without a profile: the database URL (no password); null = the PG* variables. */
  db: z.string().nullable().default(null),
  /** Without a profile: the storage URL; null = BACKUP_S3_BUCKET or the local folder. */
  to: z.string().nullable().default(null),
  /** Without a profile: the dump format (a profile's own format wins). */
  format: z.enum(['custom', 'plain']).default('custom'),
  /** Without a profile: how its backups are compressed; null = gzip at the default level (a profile's own wins). */
  compression: compressionSettingSchema.nullable().default(null),
  when: whenSchema,
  /** IANA time zone for the schedule; null = the machine's local zone. */
  timezone: z.string().nullable().default(null),
  enabled: z.boolean().default(true),
  /** Run a missed slot once when the machine wakes or the scheduler starts. */
  catchUp: z.boolean().default(true),
  retries: z.number().int().min(0).max(10).default(3),
  retryDelaySeconds: z.number().min(0).max(3600).default(60),
  /** Applied after each successful backup; null = never prune. */
  retention: retentionPolicySchema.nullable().default({ keepDays: 30, keepLast: 3, gfs: null }),
  /**
   * Verify the newest backup after a successful run when the last verification is at least N days
   * old; null = never. 0 also means never (the CLI's `--verify-every-days 0`; files written by older
   * app versions are read that way too) and is stored as null.
   */
  verifyEveryDays: z.number().min(0).nullable().default(7),
  /** Deep verification: restore into a temporary database on this server (no password in the URL); null = quick (size, SHA-256, contents). */
  verifyServer: z.string().nullable().default(null),
  /**
   * Recovery-time objective (ms): a deep verification (drill) of this schedule that takes longer is
   * a warning, logged, reported and notified; null = no target. `--rto 15m` on the command line.
   */
  rtoMs: z.number().int().positive().nullable().default(null),
  createdAt: z.string(),
});

/**
 * One meaning for every field, whoever wrote the file: older app versions stored a profile
 * schedule with its storage URL copied into `to` (the profile's storage is what counts) and 0 for
 * verifyEveryDays; both are normalised on every read and write.
 */
export const scheduleSchema = scheduleFields.transform((s) => normalizeSchedule(s));

export function normalizeSchedule<T extends z.output<typeof scheduleFields>>(s: T): T {
  const out = { ...s };
  if (out.profile !== null) {
    out.db = null;
    out.to = null;
  }
  if (out.verifyEveryDays === 0) out.verifyEveryDays = null;
  return out;
}

export const webhookSchema = z.object({
  name: z.string().min(1).max(100),
  kind: z.enum(['json', 'slack']),
  /** Name of the environment variable that holds the URL (webhook URLs embed their token). */
  urlEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  /** Which events it receives. */
  events: z.array(z.enum(['failure', 'success', 'report', 'test'])).default(['failure', 'report', 'test']),
});

export const notificationSettingsSchema = z.object({
  webhooks: z.array(webhookSchema).default([]),
  /** Environment variable holding a Sentry DSN (failures are sent there too), null = off. */
  sentryDsnEnv: z.string().nullable().default(null),
  desktopOnSuccess: z.boolean().default(false),
  retries: z.number().int().min(0).max(10).default(3),
  retryDelaySeconds: z.number().min(0).max(600).default(2),
  /** When the scheduler sends the status report to the webhooks that take reports; null = never. */
  reportCron: z.string().nullable().default(null),
});

export const automationConfigSchema = z.object({
  version: z.literal(1),
  schedules: z.array(scheduleSchema).default([]),
  /** How many scheduled backups run at once; later due slots wait their turn (each backup holds two connections). */
  maxConcurrentBackups: z.number().int().min(1).max(64).default(2),
  notifications: notificationSettingsSchema.default({ webhooks: [], sentryDsnEnv: null, desktopOnSuccess: false, retries: 3, retryDelaySeconds: 2, reportCron: null }),
});

export type Schedule = z.infer<typeof scheduleSchema>;
export type ScheduleInput = z.input<typeof scheduleSchema>;
export type Webhook = z.infer<typeof webhookSchema>;
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;
export type AutomationConfig = z.infer<typeof automationConfigSchema>;

/** The cron expression a schedule runs on: daily HH:MM becomes "M H * * *". */
export function cronOf(s: Pick<Schedule, 'when'>): string {
  if ('daily' in s.when) {
    const [h, m] = s.when.daily.split(':');
    return `${Number(m)} ${Number(h)} * * *`;
  }
  return s.when.cron;
}

export function describeWhen(s: Pick<Schedule, 'when' | 'timezone'>): string {
  const tz = s.timezone ? ` (${s.timezone})` : ' (local time)';
  return 'daily' in s.when ? `daily at ${s.when.daily}${tz}` : `cron "${s.when.cron}"${tz}`;
}
