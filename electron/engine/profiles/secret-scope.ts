// A stored secret belongs to where it was saved for. Whoever can call the app (renderer code, the
// web bridge's token holder) or edit a profile must not be able to send a keychain password to a
// host of their choosing: when the host, port or user differ, the caller types the secret again.
import os from 'node:os';
import pgConnectionString from 'pg-connection-string';
import { LifeboatError } from '../errors.js';
import { parseStorageTarget } from '../storage/target.js';

const { parse } = pgConnectionString;

/** user@host:port a database URL (or, without one, the PG* variables) connects as. */
export function pgSecretScope(url: string | null | undefined, env: NodeJS.ProcessEnv): string {
  let host: string | null | undefined;
  let port: string | null | undefined;
  let user: string | null | undefined;
  if (url) {
    try {
      const p = parse(url);
      host = p.host;
      port = p.port;
      user = p.user;
    } catch {
      return `unparseable:${url}`;
    }
  }
  host = (host || env.PGHOST || 'localhost').toLowerCase();
  port = port || env.PGPORT || '5432';
  user = user || env.PGUSER || os.userInfo().username;
  return `${user}@${host}:${port}`;
}

/** Where S3 keys for a storage URL would be sent: the endpoint's origin (AWS when none), or null for a folder. */
export function s3SecretScope(url: string | null | undefined, env: NodeJS.ProcessEnv): string | null {
  const t = parseStorageTarget(url ?? undefined, env);
  if (t.kind !== 's3') return null;
  if (t.endpoint === undefined) return 'AWS S3';
  const e = new URL(t.endpoint);
  return e.origin.toLowerCase();
}

export function passwordRequired(savedFor: string, now: string): LifeboatError {
  return new LifeboatError(
    'PASSWORD_REQUIRED',
    `The stored password is only sent to ${savedFor}, where it was saved for, and this URL connects as ${now}.`,
    { hint: { kind: 'enter-password' } },
  );
}

export function s3CredentialsRequired(savedFor: string | null, now: string | null): LifeboatError {
  return new LifeboatError(
    'S3_CREDENTIALS_REQUIRED',
    `The stored S3 keys are only sent to ${savedFor ?? 'the storage they were saved for'}, and this storage is ${now ?? 'another one'}.`,
    { hint: { kind: 'enter-s3-keys' } },
  );
}

/** Throws PASSWORD_REQUIRED unless `nextUrl` connects to the same host, port and user as `savedUrl`. */
export function checkPasswordScope(savedUrl: string | null | undefined, nextUrl: string | null | undefined, env: NodeJS.ProcessEnv): void {
  const saved = pgSecretScope(savedUrl, env);
  const next = pgSecretScope(nextUrl, env);
  if (saved !== next) throw passwordRequired(saved, next);
}

/** Throws S3_CREDENTIALS_REQUIRED unless `nextUrl` sends S3 keys to the same endpoint as `savedUrl`. */
export function checkS3Scope(savedUrl: string | null | undefined, nextUrl: string | null | undefined, env: NodeJS.ProcessEnv): void {
  const next = s3SecretScope(nextUrl, env);
  if (next === null) return; // a folder: the keys are not used at all
  const saved = s3SecretScope(savedUrl, env);
  if (saved !== next) throw s3CredentialsRequired(saved, next);
}
