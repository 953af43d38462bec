// The manifest is written beside every backup (<key>.manifest.json) only after the dump and the
// upload both succeeded: a backup without its manifest is, by definition, incomplete.
import { z } from 'zod';

export const MANIFEST_FORMAT_VERSION = 1;

export const tableCountSchema = z.object({
  schema: z.string(),
  name: z.string(),
  rows: z.number().int().nonnegative(),
});

export const manifestSchema = z.object({
  formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
  key: z.string(),
  database: z.string(),
  format: z.enum(['custom', 'plain']),
  /** plain dumps are gzipped by Lifeboat; custom archives use pg_dump's own compression. */
  compression: z.enum(['gzip', 'pg_dump']),
  server: z.object({
    version: z.string(),
    versionNum: z.number().int(),
    host: z.string(),
    port: z.number().int(),
  }),
  pgDump: z.object({ version: z.string(), major: z.number().int(), path: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** SHA-256 (hex) of the stored bytes, computed while they streamed to storage. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * exact: counted with count(*) in the same snapshot pg_dump used; estimated: pg_class.reltuples;
   * unavailable: the counting connection was lost while pg_dump went on (tables is then empty and
   * rowCountsNote says why). Deep verification then has no counts to compare.
   */
  rowCounts: z.enum(['exact', 'estimated', 'unavailable']),
  rowCountsNote: z.string().nullable().optional(),
  tables: z.array(tableCountSchema),
  label: z.string().nullable(),
  pinned: z.boolean(),
  storageClass: z.string().nullable(),
  lifeboatVersion: z.string(),
  encryption: z
    .object({ algorithm: z.string(), keyId: z.string() })
    .nullable()
    .default(null),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
export type TableCount = z.infer<typeof tableCountSchema>;
