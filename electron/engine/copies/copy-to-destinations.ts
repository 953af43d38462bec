import { copiesKeyFor } from '../../../shared/backup-key.js';
import { COPIES_FORMAT_VERSION, type CopiesRecord, type CopyOutcome } from '../../../shared/copies.js';
import { errorForLog } from '../activity/activity-log.js';
import { openStorage } from '../storage/open-storage.js';
import type { BackupStorage } from '../storage/storage.js';
import { describeTarget, type StorageTarget } from '../storage/target.js';
import { copyBackup, type CopyOptions } from './copy-backup.js';

export interface CopiesResult {
  copies: CopyOutcome[];
  /** Things worth knowing although every copy is complete (a copies record that could not be written). */
  warnings: string[];
}

/**
 * Copies a complete backup to every destination at once (each reads its own stream from the
 * source), then writes the copies record in every place that holds the backup. A failed copy is
 * an outcome, never an exception: the backup itself is complete and stays, and the caller reports
 * it as partly copied. `open` is for tests (a storage that fails on cue).
 */
export async function copyToDestinations(
  source: BackupStorage,
  key: string,
  targets: readonly StorageTarget[],
  opts: CopyOptions & { open?: (t: StorageTarget) => BackupStorage; now?: () => Date } = {},
): Promise<CopiesResult> {
  if (targets.length === 0) return { copies: [], warnings: [] };
  const open = opts.open ?? openStorage;
  const places = targets.map((t) => ({ display: describeTarget(t), storage: open(t) }));
  const copies = await Promise.all(
    places.map(async ({ display, storage }): Promise<CopyOutcome> => {
      const started = Date.now();
      try {
        await copyBackup(source, storage, key, opts);
        return { storage: display, status: 'copied', error: null, durationMs: Date.now() - started };
      } catch (e) {
        const { code, message } = errorForLog(e);
        return { storage: display, status: 'failed', error: { code, message }, durationMs: Date.now() - started };
      }
    }),
  );
  const record: CopiesRecord = {
    formatVersion: COPIES_FORMAT_VERSION,
    key,
    primary: source.display,
    copies,
    writtenAt: (opts.now ?? (() => new Date()))().toISOString(),
  };
  const text = `${JSON.stringify(record, null, 2)}\n`;
  const holders = [source, ...places.filter((_, i) => copies[i]?.status === 'copied').map((p) => p.storage)];
  const warnings: string[] = [];
  // Best effort: the record only feeds the "N copies" figure; the copies themselves are complete.
  await Promise.all(
    holders.map((s) =>
      s.putSmall(copiesKeyFor(key), text, { contentType: 'application/json', mode: 'create' }).catch((e: unknown) => {
        warnings.push(`The list of copies could not be written beside ${key} in ${s.display} (${errorForLog(e).message}); the backup and its copies are complete, but that place will show fewer copies.`);
      }),
    ),
  );
  return { copies, warnings };
}

/** One sentence naming the copies that failed and why, or null when every copy is complete. */
export function describeFailedCopies(copies: readonly CopyOutcome[]): string | null {
  const failed = copies.filter((c) => c.status === 'failed');
  if (failed.length === 0) return null;
  const made = copies.length - failed.length;
  return `Partly copied: ${made + 1} of ${copies.length + 1} places hold the backup; ${failed.map((c) => `the copy to ${c.storage} failed (${c.error?.message ?? 'unknown reason'})`).join('; ')}.`;
}
