import { LifeboatError } from '../errors.js';
import { describeTarget, parseStorageTarget, type StorageTarget } from '../storage/target.js';

/** At most this many extra destinations per backup: each is a full upload. */
export const MAX_COPY_DESTINATIONS = 8;

/**
 * Reads `--copy-to` URLs (s3://… or file:///…) into targets. Bad input is one sentence and nothing
 * is used: an empty URL, a bad one (parseStorageTarget says why), the backup's own storage, or the
 * same destination twice. S3 destinations without keychain keys use the AWS environment, as --to does.
 */
export function parseCopyTargets(urls: readonly string[], env: NodeJS.ProcessEnv): StorageTarget[] {
  if (urls.length > MAX_COPY_DESTINATIONS) {
    throw new LifeboatError('BAD_INPUT', `${urls.length} copy destinations were given; Lifeboat copies a backup to at most ${MAX_COPY_DESTINATIONS} places.`);
  }
  return urls.map((url) => {
    if (url.trim() === '') throw new LifeboatError('BAD_STORAGE_URL', 'A copy destination is empty; give --copy-to s3://bucket[/prefix] or --copy-to file:///absolute/folder.');
    return parseStorageTarget(url, env);
  });
}

/** Refuses copies that would land on the backup's own storage, or twice in one place. */
export function checkCopyTargets(primary: StorageTarget, copies: readonly StorageTarget[]): void {
  const seen = new Set([describeTarget(primary)]);
  for (const c of copies) {
    const where = describeTarget(c);
    if (seen.has(where)) {
      const why = where === describeTarget(primary) ? "is the backup's own storage" : 'is named twice';
      throw new LifeboatError('BAD_INPUT', `The copy destination ${where} ${why}; name another bucket, endpoint or folder for each copy.`);
    }
    seen.add(where);
    // Copies keep the same keys (a copy is the same backup, found by the same key everywhere).
    if (c.prefix !== primary.prefix) {
      throw new LifeboatError('BAD_INPUT', `The copy destination ${where} uses the prefix "${c.prefix}", but backups keep the same keys in every place and this storage uses "${primary.prefix}"; give the copy the same prefix.`);
    }
  }
}
