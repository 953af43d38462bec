// Error classification of the storage contract: every S3 answer and every file-system errno lands in
// one class with its own sentence. RGW sends errors without a message, so only code and status count.
import { describe, expect, it } from 'vitest';
import { describeFsError } from '../../electron/engine/storage/fs-errors.js';
import { describeS3Error } from '../../electron/engine/storage/s3-errors.js';
import type { S3Target } from '../../electron/engine/storage/target.js';

const target: S3Target = { kind: 's3', bucket: 'backups', prefix: 'database_backups', endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', forcePathStyle: true, storageClass: 'STANDARD_IA' };

function s3(name: string, status: number, extra: Record<string, unknown> = {}): unknown {
  return Object.assign(new Error('UnknownError'), { name, $metadata: { httpStatusCode: status }, ...extra });
}

describe('S3 error classes', () => {
  it.each([
    [s3('AccessDenied', 403), 'STORAGE_ACCESS_DENIED', /access key/],
    [s3('UnknownError', 403), 'STORAGE_ACCESS_DENIED', /access key/],
    [s3('QuotaExceeded', 403), 'STORAGE_QUOTA_EXCEEDED', /quota/],
    [s3('InvalidArgument', 400), 'STORAGE_CLASS_REFUSED', /STANDARD_IA.*storage_class=.*BACKUP_STORAGE_CLASS/],
    [s3('InvalidStorageClass', 400), 'STORAGE_CLASS_REFUSED', /STANDARD_IA/],
    [s3('SlowDown', 503), 'STORAGE_THROTTLED', /slow down/],
    [s3('UnknownError', 429), 'STORAGE_THROTTLED', /slow down/],
    [s3('InternalError', 500), 'STORAGE_SERVER_ERROR', /server error \(InternalError\)/],
    [s3('UnknownError', 502), 'STORAGE_SERVER_ERROR', /HTTP 502/],
    [s3('NoSuchBucket', 404), 'STORAGE_BUCKET_MISSING', /does not exist/],
    [Object.assign(new Error('socket timed out after 500 ms of inactivity'), { name: 'TimeoutError' }), 'STORAGE_STALLED', /stopped answering.*LIFEBOAT_STORAGE_STALL_SECONDS/],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'STORAGE_UNREACHABLE', /Cannot reach/],
  ])('%o → %s', (err, code, message) => {
    const e = describeS3Error(err, target, 'store the backup');
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.message).not.toMatch(/UnknownError/);
  });
});

describe('file-system error classes', () => {
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something`), { code });
  it.each([
    ['ENOSPC', 'STORAGE_QUOTA_EXCEEDED', /full/],
    ['EDQUOT', 'STORAGE_QUOTA_EXCEEDED', /quota/],
    ['EACCES', 'STORAGE_ACCESS_DENIED', /permission denied/],
    ['EPERM', 'STORAGE_ACCESS_DENIED', /permission denied/],
    ['EROFS', 'STORAGE_ACCESS_DENIED', /read-only/],
    ['EIO', 'STORAGE_SERVER_ERROR', /I\/O error/],
    ['ENOENT', 'NOT_FOUND', /^There is no \/backups\/x\.dump\.$/],
    ['EEXIST', 'KEY_EXISTS', /never overwrites/],
  ])('%s → %s', (code, expected, message) => {
    const e = describeFsError(errno(code), '/backups/x.dump', 'write');
    expect(e.code).toBe(expected);
    expect(e.message).toMatch(message);
  });
});
