import { FileStorage } from './file-storage.js';
import { S3Storage } from './s3-storage.js';
import type { BackupStorage } from './storage.js';
import type { StorageTarget } from './target.js';

export function openStorage(target: StorageTarget): BackupStorage {
  return target.kind === 's3' ? new S3Storage(target) : new FileStorage(target);
}
