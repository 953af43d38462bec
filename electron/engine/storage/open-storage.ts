import { FileStorage } from './file-storage.js';
import type { BackupStorage, StoredObject } from './storage.js';
import { describeTarget, type S3Target, type StorageTarget } from './target.js';

export function openStorage(target: StorageTarget): BackupStorage {
  return target.kind === 's3' ? lazyS3Storage(target) : new FileStorage(target);
}

/**
 * The AWS SDK is the largest thing the CLI loads (hundreds of modules, a third of a second at
 * start-up): commands that never reach S3 (a folder storage, `log`, `profile`, `scheduler add`…)
 * should not pay for it. Loading starts when the storage is opened, so it overlaps with whatever
 * the command does first (connecting to the database, starting pg_dump); the first call waits for it.
 */
function lazyS3Storage(target: S3Target): BackupStorage {
  let loaded: Promise<BackupStorage> | null = null;
  const s3 = (): Promise<BackupStorage> => (loaded ??= import('./s3-storage.js').then(({ S3Storage }) => new S3Storage(target)));
  // Started now; a failure to load surfaces at the first call, where the caller handles errors.
  s3().catch(() => undefined);
  return {
    display: describeTarget(target),
    checkWritable: async () => (await s3()).checkWritable(),
    checkReadable: async () => (await s3()).checkReadable(),
    upload: async (key, body, opts) => (await s3()).upload(key, body, opts),
    putSmall: async (key, data, opts) => (await s3()).putSmall(key, data, opts),
    getSmall: async (key) => (await s3()).getSmall(key),
    head: async (key) => (await s3()).head(key),
    download: async (key, opts) => (await s3()).download(key, opts),
    list: (prefix) => listFrom(s3(), prefix),
    delete: async (keys) => (await s3()).delete(keys),
    listIncompleteUploads: async (prefix) => (await s3()).listIncompleteUploads(prefix),
    abortIncompleteUpload: async (upload) => (await s3()).abortIncompleteUpload(upload),
  };
}

async function* listFrom(storage: Promise<BackupStorage>, prefix: string): AsyncIterable<StoredObject> {
  yield* (await storage).list(prefix);
}
