import { LifeboatError } from '../errors.js';
import type { S3Target } from './target.js';

interface AwsLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function where(t: S3Target): string {
  return `bucket "${t.bucket}"${t.endpoint ? ` at ${t.endpoint}` : ''}`;
}

export function s3ErrorName(e: unknown): string {
  const err = (e ?? {}) as AwsLikeError;
  return err.name ?? err.Code ?? err.code ?? '';
}

export function s3Status(e: unknown): number | undefined {
  return (e as AwsLikeError | undefined)?.$metadata?.httpStatusCode;
}

export function isS3NotFound(e: unknown): boolean {
  const name = s3ErrorName(e);
  return name === 'NotFound' || name === 'NoSuchKey' || s3Status(e) === 404;
}

/** 412 on a conditional write: the key exists (PutObject with If-None-Match: *). */
export function isPreconditionFailed(e: unknown): boolean {
  return s3ErrorName(e) === 'PreconditionFailed' || s3Status(e) === 412;
}

/**
 * One sentence per S3 failure, in the storage contract's classes: what happened and what to do.
 * Credentials never appear. Some servers (Ceph RGW) send errors without a message, so the class
 * comes from the error code and the HTTP status, never from the message text.
 */
export function describeS3Error(e: unknown, t: S3Target, action: string): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const err = (e ?? {}) as AwsLikeError;
  const name = s3ErrorName(e);
  const status = s3Status(e);
  const detail = name && name !== 'UnknownError' && name !== 'Unknown' ? name : status ? `HTTP ${status}` : 'no reason given';
  if (name === 'NoSuchBucket' || (status === 404 && /bucket/i.test(`${name} ${err.message ?? ''}`)) || (action === 'check' && status === 404)) {
    return new LifeboatError('STORAGE_BUCKET_MISSING', `The ${where(t)} does not exist; create it or check the storage URL.`, { cause: e });
  }
  if (name === 'QuotaExceeded' || name === 'EntityTooLarge' || name === 'InsufficientStorage' || status === 507) {
    return new LifeboatError('STORAGE_QUOTA_EXCEEDED', `The ${where(t)} refused to ${action}: its quota is used up (${detail}).`, { cause: e, hint: { kind: 'free-space', where: 'quota' } });
  }
  if (name === 'InvalidStorageClass' || (t.storageClass && status === 400 && (name === 'InvalidArgument' || /storage.?class/i.test(err.message ?? '')))) {
    return new LifeboatError('STORAGE_CLASS_REFUSED', `The ${where(t)} refused the storage class ${t.storageClass ?? '(default)'} (${detail}). Choose one it offers with storage_class= in the storage URL (e.g. ?storage_class=STANDARD) or BACKUP_STORAGE_CLASS.`, { cause: e });
  }
  if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'AllAccessDisabled'].includes(name) || status === 403) {
    return new LifeboatError('STORAGE_ACCESS_DENIED', `The ${where(t)} refused to ${action}: ${name && name !== 'UnknownError' ? name : 'access denied'}. Check the S3 access key and its permissions.`, { cause: e });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message ?? '')) {
    return new LifeboatError('STORAGE_ACCESS_DENIED', `No S3 credentials were found for the ${where(t)}; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a profile's keychain entry.`, { cause: e });
  }
  if (['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'RequestLimitExceeded'].includes(name) || status === 429) {
    return new LifeboatError('STORAGE_THROTTLED', `The ${where(t)} kept asking Lifeboat to slow down while trying to ${action} (${detail}), even after retries. Try again later, or run fewer backups at once.`, { cause: e });
  }
  const code = err.code ?? '';
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || /timed out|exceeded the configured/i.test(err.message ?? '')) {
    return new LifeboatError('STORAGE_STALLED', `The ${where(t)} stopped answering while trying to ${action} (no progress within the stall timeout, after retries); check the endpoint and the network, or raise LIFEBOAT_STORAGE_STALL_SECONDS.`, { cause: e });
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH', 'EPIPE'].includes(code)) {
    return new LifeboatError('STORAGE_UNREACHABLE', `Cannot reach the S3 endpoint for the ${where(t)} (${code}); check the endpoint URL and the network.`, { cause: e });
  }
  if (status !== undefined && status >= 500) {
    return new LifeboatError('STORAGE_SERVER_ERROR', `The ${where(t)} failed to ${action} with a server error (${detail}), even after retries. Try again later; if it persists, ask the storage's administrator.`, { cause: e });
  }
  return new LifeboatError('STORAGE_ERROR', `The ${where(t)} failed to ${action}: ${name && name !== 'UnknownError' ? `${name}: ` : ''}${err.message && err.message !== 'UnknownError' ? err.message : detail}`, { cause: e });
}
