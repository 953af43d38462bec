/**
 * Every failure a user can meet is a LifeboatError: a stable code for programs and one sentence
 * saying what happened and what to do. Anything else reaching the CLI or the UI is a bug.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'BAD_STORAGE_URL'
  | 'BAD_DATABASE_URL'
  | 'PG_UNREACHABLE'
  | 'PG_AUTH_FAILED'
  | 'PG_DATABASE_MISSING'
  | 'PG_ERROR'
  | 'PG_TOOL_MISSING'
  | 'PG_DUMP_FAILED'
  | 'STORAGE_BUCKET_MISSING'
  | 'STORAGE_ACCESS_DENIED'
  | 'STORAGE_UNREACHABLE'
  | 'STORAGE_ERROR'
  | 'STORAGE_QUOTA_EXCEEDED'
  | 'STORAGE_CLASS_REFUSED'
  | 'STORAGE_THROTTLED'
  | 'STORAGE_SERVER_ERROR'
  | 'STORAGE_STALLED'
  | 'STORAGE_SSE_UNCONFIRMED'
  | 'KEY_EXISTS'
  | 'NOT_FOUND'
  | 'NOTIFY_FAILED'
  | 'PG_RESTORE_FAILED'
  | 'INTEGRITY_FAILED'
  | 'TARGET_NOT_EMPTY'
  | 'TARGET_EXISTS'
  | 'NOT_ENOUGH_SPACE'
  | 'ENCRYPTED_BACKUP'
  | 'VERIFY_FAILED'
  | 'CANCELLED'
  | 'KEYCHAIN_UNAVAILABLE'
  | 'KEYCHAIN_LOCKED'
  | 'CONFIG_DAMAGED'
  | 'STATE_DAMAGED'
  | 'STATE_LOCKED'
  | 'STATE_WRITE_FAILED'
  | 'PROFILE_NOT_FOUND'
  | 'PROFILE_EXISTS'
  | 'ENCRYPTION_KEY_MISSING'
  | 'ENCRYPTION_KEY_WRONG'
  | 'ENCRYPTED_HEADER_BAD'
  | 'ENCRYPTED_DATA_ALTERED'
  | 'ENCRYPTED_DATA_TRUNCATED'
  | 'ENCRYPTED_CHUNKS_REORDERED'
  | 'ENCRYPTED_CHUNK_MISSING'
  | 'BAD_KEY'
  | 'MANIFEST_DAMAGED'
  | 'MANIFEST_NEWER'
  | 'PASSWORD_REQUIRED'
  | 'S3_CREDENTIALS_REQUIRED'
  | 'INTERNAL';

export class LifeboatError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LifeboatError';
    this.code = code;
  }
}

export function isLifeboatError(e: unknown): e is LifeboatError {
  return e instanceof LifeboatError;
}

export function cancelledError(what: string): LifeboatError {
  return new LifeboatError('CANCELLED', `${what} was cancelled; nothing was kept.`);
}

/** Throws the cancellation error when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw cancelledError(what);
}
