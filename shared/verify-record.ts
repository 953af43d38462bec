// The result of `lifeboat verify`, stored beside the backup as <key>.verify.json so the app and
// reports can show "verified" (and when, and how deeply) without re-reading the backup.
import { z } from 'zod';

/** 2 added `drill` (deep verifications: recovery time, bytes, server); version 1 records still read, with `drill: null`. */
export const VERIFY_FORMAT_VERSION = 2;

export const tableCheckSchema = z.object({
  schema: z.string(),
  name: z.string(),
  expected: z.number().int().nullable(),
  actual: z.number().int().nullable(),
  ok: z.boolean(),
});

/**
 * A deep verification is a restore drill: how long recovering this backup took and where. The
 * recovery time runs from the first byte fetched from storage to the end of the restore (what a
 * DBA waits for in a real recovery); the row-count comparison after it is not part of it.
 */
export const drillSchema = z.object({
  recoveryMs: z.number().int().nonnegative(),
  /** pg_restore/psql alone, without the download. */
  restoreMs: z.number().int().nonnegative(),
  /** Bytes fetched from storage, and the size of the restored database (pg_database_size). */
  downloadedBytes: z.number().int().nonnegative(),
  restoredBytes: z.number().int().nonnegative().nullable(),
  /** Where it ran: host:port and version, never a user or password. */
  server: z.object({ address: z.string(), version: z.string().nullable() }),
  tablesCompared: z.number().int().nonnegative(),
  mismatches: z.number().int().nonnegative(),
  /** The schedule's recovery-time target when a schedule ran it (ms), and whether the drill took longer. */
  targetMs: z.number().int().positive().nullable(),
  overTarget: z.boolean(),
});

export const verifyRecordSchema = z.object({
  formatVersion: z.union([z.literal(1), z.literal(VERIFY_FORMAT_VERSION)]),
  key: z.string(),
  verifiedAt: z.string(),
  depth: z.enum(['quick', 'deep']),
  outcome: z.enum(['passed', 'failed']),
  durationMs: z.number().int().nonnegative(),
  lifeboatVersion: z.string(),
  checks: z.object({
    exists: z.boolean(),
    sizeBytes: z.number().int().nonnegative().nullable(),
    /** null: no manifest to compare with. */
    sha256Matches: z.boolean().nullable(),
    sha256: z.string().nullable(),
    /** The table of contents (custom) or the whole SQL text (plain) read to its end. */
    contentsReadable: z.boolean().nullable(),
    tocEntries: z.number().int().nullable(),
    /** Deep only: the restore into a temporary database and the per-table row counts. */
    restored: z.boolean().nullable(),
    tables: z.array(tableCheckSchema),
  }),
  /** What went wrong, in one sentence; null when it passed. */
  problem: z.string().nullable(),
  /** Deep verifications from version 2 on: the drill's measurements (null for quick ones, and in version 1 records). */
  drill: drillSchema.nullable().default(null),
});

export type VerifyRecord = z.infer<typeof verifyRecordSchema>;
export type TableCheck = z.infer<typeof tableCheckSchema>;
export type DrillMeasures = z.infer<typeof drillSchema>;
