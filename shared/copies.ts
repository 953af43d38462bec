// Copies of one backup in several places (the 3-2-1 rule). After the backup is complete in its
// own storage, Lifeboat copies it to each extra destination and then writes this record beside
// it (<key>.copies.json) in every place that holds it, so `list` and the calendar can say "2 copies"
// without visiting the other destinations. The record is untrusted input like every manifest.
import { z } from 'zod';

export const COPIES_FORMAT_VERSION = 1;

/** Larger than any real record (a few hundred destinations); anything bigger is not ours. */
export const MAX_COPIES_RECORD_BYTES = 256 * 1024;

export const copyOutcomeSchema = z.object({
  /** The destination as a URL without secrets (describeTarget). */
  storage: z.string().max(2048),
  status: z.enum(['copied', 'failed']),
  /** Why the copy failed, in one sentence; null when it was copied. */
  error: z.object({ code: z.string().max(100), message: z.string().max(4000) }).nullable(),
  durationMs: z.number().nonnegative(),
});

export const copiesRecordSchema = z.object({
  formatVersion: z.literal(COPIES_FORMAT_VERSION),
  key: z.string().min(1).max(1024),
  /** Where the backup was made first (the profile's storage). */
  primary: z.string().max(2048),
  copies: z.array(copyOutcomeSchema).max(1000),
  writtenAt: z.string().max(64),
});

export type CopyOutcome = z.infer<typeof copyOutcomeSchema>;
export type CopiesRecord = z.infer<typeof copiesRecordSchema>;

/** How many places hold the backup by its record: the primary plus each completed copy. */
export function placesHolding(record: CopiesRecord | null): number {
  return 1 + (record?.copies.filter((c) => c.status === 'copied').length ?? 0);
}

/** Validates a copies record for `key`; null when it is not one Lifeboat understands. */
export function parseCopiesRecord(text: string, key: string): CopiesRecord | null {
  if (text.length > MAX_COPIES_RECORD_BYTES) return null;
  try {
    const parsed = copiesRecordSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.key === key ? parsed.data : null;
  } catch {
    return null;
  }
}
