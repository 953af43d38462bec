import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PREFIX, normalizePrefix } from '../../../shared/backup-key.js';
import { LifeboatError } from '../errors.js';
import { defaultLocalBackupDir } from '../paths.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Target {
  kind: 's3';
  bucket: string;
  prefix: string;
  /** Custom endpoint for S3-compatible services (MinIO, R2, B2…); undefined means AWS. */
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  storageClass: string | null;
  /** Explicit credentials (from a profile's keychain entry); otherwise the AWS SDK's default chain. */
  credentials?: S3Credentials | undefined;
  serverSideEncryption?: { mode: 'AES256' } | { mode: 'aws:kms'; kmsKeyId?: string | undefined } | undefined;
  /** How long a request may make no progress before it counts as stalled (LIFEBOAT_STORAGE_STALL_SECONDS). */
  stallTimeoutMs?: number | undefined;
}

/** A stalled endpoint fails a request after this long without progress; the SDK then retries it. */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

function stallTimeoutFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.LIFEBOAT_STORAGE_STALL_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_STALL_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new LifeboatError('BAD_INPUT', `LIFEBOAT_STORAGE_STALL_SECONDS is "${raw}"; set it to a positive number of seconds (default ${DEFAULT_STALL_TIMEOUT_MS / 1000}).`);
  }
  return Math.round(seconds * 1000);
}

export interface FileTarget {
  kind: 'file';
  root: string;
  prefix: string;
}

export type StorageTarget = S3Target | FileTarget;

const STORAGE_CLASSES = new Set([
  'STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'REDUCED_REDUNDANCY',
]);

/** The seed stores in "Infrequent Access"; S3-compatible services that lack it accept STANDARD. */
export const DEFAULT_STORAGE_CLASS = 'STANDARD_IA';

// S3 bucket naming rules (lowercase letters, digits, dots, hyphens; 3–63 characters).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function bad(url: string, why: string): LifeboatError {
  return new LifeboatError('BAD_STORAGE_URL', `Storage URL "${url}" ${why}; use s3://bucket[/prefix] or file:///absolute/folder.`);
}

/** user:password@ (or key:secret@) after any "//", also inside an encoded ?endpoint= value. */
const EMBEDDED_CREDENTIALS = /\/\/[^/?#@\s]*@/;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Credentials inside a storage URL would be stored in the config file and echoed in messages and
 * manifests: refused, without repeating them, saying where keys go instead.
 */
function refuseEmbeddedCredentials(url: string, source: string): void {
  if (!EMBEDDED_CREDENTIALS.test(url) && !EMBEDDED_CREDENTIALS.test(safeDecode(url))) return;
  throw new LifeboatError(
    'BAD_STORAGE_URL',
    `${source} holds credentials ("user:secret@" in it), which Lifeboat never stores or shows; remove them.`,
    { hint: { kind: 's3-keys-in-keychain' } },
  );
}

/**
 * Reads a storage URL (`s3://bucket[/prefix]` or `file:///folder`), or without one the seed's
 * variables (BACKUP_S3_BUCKET) and finally the default local folder. S3 settings come from the
 * standard AWS variables (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_REGION, AWS_S3_REGION_NAME)
 * and can be overridden per URL with ?endpoint=&region=&path_style=&storage_class=.
 */
export function parseStorageTarget(url: string | undefined, env: NodeJS.ProcessEnv = process.env): StorageTarget {
  if (url !== undefined && url !== '') refuseEmbeddedCredentials(url, 'The storage URL');
  if (url === undefined || url === '') {
    if (env.BACKUP_S3_BUCKET) return parseStorageTarget(`s3://${env.BACKUP_S3_BUCKET}`, env);
    return { kind: 'file', root: defaultLocalBackupDir(env), prefix: DEFAULT_PREFIX };
  }
  if (/^s3:\/\//i.test(url)) return parseS3(url, env);
  if (/^file:\/\//i.test(url)) {
    let root: string;
    try {
      root = fileURLToPath(url.split('?')[0] ?? url);
    } catch {
      throw bad(url, 'is not an absolute file URL');
    }
    const q = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    return { kind: 'file', root: path.resolve(root), prefix: normalizePrefix(q.get('prefix') ?? DEFAULT_PREFIX) };
  }
  if (url.includes('://')) throw bad(url, `has an unsupported scheme "${url.split('://')[0]}"`);
  throw bad(url, 'is not a URL');
}

function parseS3(url: string, env: NodeJS.ProcessEnv): S3Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad(url, 'is not a valid URL');
  }
  const bucket = u.hostname;
  if (!BUCKET_NAME.test(bucket)) throw bad(url, `names an invalid bucket "${bucket}" (3–63 lowercase letters, digits, dots and hyphens)`);
  const q = u.searchParams;
  const endpoint = q.get('endpoint') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? undefined;
  if (endpoint !== undefined) {
    refuseEmbeddedCredentials(endpoint, q.get('endpoint') !== null ? 'The storage URL' : 'The S3 endpoint from AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL');
    try {
      const e = new URL(endpoint);
      if (e.protocol !== 'http:' && e.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw bad(url, `has an invalid endpoint "${endpoint}" (it must be an http:// or https:// URL)`);
    }
  }
  const storageClass = (q.get('storage_class') ?? env.BACKUP_STORAGE_CLASS ?? DEFAULT_STORAGE_CLASS).toUpperCase();
  if (!STORAGE_CLASSES.has(storageClass)) throw bad(url, `has an unknown storage class "${storageClass}" (one of ${[...STORAGE_CLASSES].join(', ')})`);
  const pathStyle = q.get('path_style');
  // Keys from the environment we were given (not only process.env: the app and tests pass their own);
  // without them the AWS SDK's default chain applies (AWS_PROFILE, ~/.aws, SSO, instance roles).
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const prefix = normalizePrefix(decodeURIComponent(u.pathname));
  return {
    kind: 's3',
    bucket,
    prefix: prefix === '' ? DEFAULT_PREFIX : prefix,
    endpoint,
    region: q.get('region') ?? env.AWS_REGION ?? env.AWS_S3_REGION_NAME ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // Custom endpoints (MinIO, Ceph RGW, most on-premise services) want path-style addressing.
    forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true' || pathStyle === '1',
    storageClass,
    credentials,
    stallTimeoutMs: stallTimeoutFrom(env),
  };
}

/** The target as a URL for messages and manifests: no credentials, just where. */
export function describeTarget(t: StorageTarget): string {
  if (t.kind === 'file') return `file://${t.root}${t.prefix === DEFAULT_PREFIX ? '' : `?prefix=${t.prefix}`}`;
  return `s3://${t.bucket}/${t.prefix}${t.endpoint ? ` at ${t.endpoint}` : ''}`;
}
