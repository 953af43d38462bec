// The result of `lifeboat verify`, stored beside the backup as <key>.verify.json so the app and
// reports can show "verified" (and when, and how deeply) without re-reading the backup.
import { z } from 'zod';

export const VERIFY_FORMAT_VERSION = 1;

export const tableCheckSchema = z.object({
  schema: z.string(),
  name: z.string(),
  expected: z.number().int().nullable(),
  actual: z.number().int().nullable(),
  ok: z.boolean(),
});

export const verifyRecordSchema = z.object({
  formatVersion: z.literal(VERIFY_FORMAT_VERSION),
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
});

export type VerifyRecord = z.infer<typeof verifyRecordSchema>;
export type TableCheck = z.infer<typeof tableCheckSchema>;
