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

/** One sentence per S3 failure: what happened and what to do. Credentials never appear. */
export function describeS3Error(e: unknown, t: S3Target, action: string): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const err = (e ?? {}) as AwsLikeError;
  const name = err.name ?? err.Code ?? err.code ?? '';
  const status = err.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket' || (status === 404 && /bucket/i.test(`${name} ${err.message ?? ''}`)) || (action === 'check' && status === 404)) {
    return new LifeboatError('STORAGE_BUCKET_MISSING', `The ${where(t)} does not exist; create it or check the storage URL.`, { cause: e });
  }
  if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'AllAccessDisabled'].includes(name) || status === 403) {
    return new LifeboatError('STORAGE_ACCESS_DENIED', `The ${where(t)} refused to ${action}: ${name || 'access denied'}. Check the S3 access key and its permissions.`, { cause: e });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message ?? '')) {
    return new LifeboatError('STORAGE_ACCESS_DENIED', `No S3 credentials were found for the ${where(t)}; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a profile's keychain entry.`, { cause: e });
  }
  const code = err.code ?? '';
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code) || name === 'TimeoutError') {
    return new LifeboatError('STORAGE_UNREACHABLE', `Cannot reach the S3 endpoint for the ${where(t)} (${code || name}); check the endpoint URL and the network.`, { cause: e });
  }
  return new LifeboatError('STORAGE_ERROR', `The ${where(t)} failed to ${action}: ${name ? `${name}: ` : ''}${err.message ?? String(e)}`, { cause: e });
}
