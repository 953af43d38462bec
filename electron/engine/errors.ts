import type { ErrorHint } from '../../shared/error-hint.js';

/**
 * Every failure a user can meet is a LifeboatError: a stable code for programs and one sentence
 * saying what happened and what to do. Anything else reaching the CLI or the UI is a bug. When the
 * way out depends on the surface (a flag on the command line, a field in the app), the message
 * leaves it out and `hint` says it as data; each surface renders it in its own words.
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
  | 'UNSAFE_BACKUP'
  | 'LOCK_TIMEOUT'
  | 'SYSTEM_DATABASE'
  | 'TARGET_INTERRUPTED'
  | 'INTEGRITY_FAILED'
  | 'TARGET_NOT_EMPTY'
  | 'TARGET_EXISTS'
  | 'ROLES_MISSING'
  | 'TABLESPACES_MISSING'
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
  | 'ARCHIVE_UNREADABLE'
  | 'PASSWORD_REQUIRED'
  | 'S3_CREDENTIALS_REQUIRED'
  | 'SSH_HOST_KEY_REFUSED'
  | 'SSH_AUTH_FAILED'
  | 'SSH_UNREACHABLE'
  | 'SSH_FORWARD_FAILED'
  | 'SSH_IDENTITY_REQUIRED'
  | 'INTERNAL';

export class LifeboatError extends Error {
  readonly code: ErrorCode;
  readonly hint: ErrorHint | null;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; hint?: ErrorHint | undefined }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'LifeboatError';
    this.code = code;
    this.hint = options?.hint ?? null;
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

const FILE_SYSTEM_SENTENCES: Record<string, string> = {
  ENOSPC: 'the disk is full; free some space (or choose another folder) and try again',
  EDQUOT: 'the disk quota is used up; free some space (or choose another folder) and try again',
  EROFS: 'the file system is read-only; choose a folder you can write to',
  EACCES: 'permission denied; choose a folder you can write to, or fix its permissions',
  EPERM: 'the operation is not permitted; check the permissions of the files involved',
  EMFILE: 'too many files are open; close other programs or raise the limit (ulimit -n) and try again',
  EIO: 'the disk reported an input/output error; check the disk',
};

/**
 * Whatever reached a surface (the CLI's last line, the app's error value) as one sentence that
 * says what happened and what to do. Engine code throws LifeboatErrors; this is the safety net for
 * the rest: file-system errors keep their meaning, anything else says that it is a bug.
 */
export function toLifeboatError(e: unknown): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const err = (e ?? {}) as { code?: unknown; message?: unknown; path?: unknown; syscall?: unknown };
  const message = e instanceof Error ? e.message : String(e);
  const sentence = typeof err.code === 'string' ? FILE_SYSTEM_SENTENCES[err.code] : undefined;
  if (sentence) {
    const where = typeof err.path === 'string' ? ` (${err.path})` : '';
    const code = err.code === 'ENOSPC' || err.code === 'EDQUOT' ? 'NOT_ENOUGH_SPACE' : 'STORAGE_ERROR';
    return new LifeboatError(code, `Could not ${typeof err.syscall === 'string' ? err.syscall : 'write'}${where}: ${sentence}.`, { cause: e });
  }
  return new LifeboatError('INTERNAL', `Lifeboat hit an unexpected error (${message}); this is a bug.`, { cause: e, hint: { kind: 'report-bug' } });
}
