// Backup keys follow the seed's layout exactly, so buckets written by the seed's scripts and by
// Lifeboat are readable by both: <prefix>/YYYY/MM/DD/<db>_<YYYYMMDD_HHMMSS>.<ext>, all in UTC.

export type BackupFormat = 'custom' | 'plain';

export const DEFAULT_PREFIX = 'database_backups';
export const MANIFEST_SUFFIX = '.manifest.json';
export const VERIFY_SUFFIX = '.verify.json';
/** The archive index of a custom-format backup (docs/index-format.md). */
export const INDEX_SUFFIX = '.index.json';
/** A create-only marker a running backup holds on its key (see electron/engine/backup/claim-key.ts). */
export const CLAIM_SUFFIX = '.claim';
/** Which destinations hold a backup (written beside it after its copies; electron/engine/copies/). */
export const COPIES_SUFFIX = '.copies.json';
export const ENCRYPTED_SUFFIX = '.enc';
/** The server's roles, memberships and tablespaces (pg_dumpall --globals-only) recorded with a backup. */
export const GLOBALS_SUFFIX = '.globals.sql';
/** The same, encrypted like the backup it belongs to. */
export const ENCRYPTED_GLOBALS_SUFFIX = `${GLOBALS_SUFFIX}${ENCRYPTED_SUFFIX}`;

export function extensionFor(format: BackupFormat): string {
  return format === 'custom' ? 'dump' : 'sql.gz';
}

/**
 * Database names may hold spaces, quotes or any Unicode letter. Keys keep letters and digits of
 * every script (S3 keys are UTF-8) and replace everything else with '-', so a key is always safe
 * to paste into a shell; the manifest keeps the exact name.
 */
export function keySafeDatabaseName(dbName: string): string {
  const safe = dbName.normalize('NFC').replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '');
  return safe.length > 0 ? safe : 'database';
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function formatTimestamp(date: Date): string {
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}_` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
  );
}

export function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

export function buildBackupKey(opts: {
  prefix: string;
  dbName: string;
  startedAt: Date;
  format: BackupFormat;
  encrypted?: boolean;
}): string {
  const d = opts.startedAt;
  const folder = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
  const file = `${keySafeDatabaseName(opts.dbName)}_${formatTimestamp(d)}.${extensionFor(opts.format)}`;
  const prefix = normalizePrefix(opts.prefix);
  const key = `${prefix ? `${prefix}/` : ''}${folder}/${file}`;
  return opts.encrypted ? `${key}${ENCRYPTED_SUFFIX}` : key;
}

export interface ParsedBackupKey {
  key: string;
  prefix: string;
  dbName: string;
  createdAt: Date;
  /** custom = pg_dump archive (.dump), plain = gzipped SQL (.sql.gz); unknown for a bare .sql. */
  format: BackupFormat;
  gzip: boolean;
  encrypted: boolean;
}

const FILE_PATTERN = /^(.+)_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\.(dump|sql\.gz|sql|backup)(\.enc)?$/u;

/** Recognises a backup object key in the seed's layout; returns null for anything else (sidecars included). */
export function parseBackupKey(key: string): ParsedBackupKey | null {
  if ([MANIFEST_SUFFIX, VERIFY_SUFFIX, CLAIM_SUFFIX, INDEX_SUFFIX, GLOBALS_SUFFIX, ENCRYPTED_GLOBALS_SUFFIX, COPIES_SUFFIX].some((s) => key.endsWith(s))) return null;
  const parts = key.split('/');
  if (parts.length < 4) return null;
  const file = parts[parts.length - 1] ?? '';
  const [yyyy, mm, dd] = parts.slice(-4, -1);
  const m = FILE_PATTERN.exec(file);
  if (!m || !yyyy || !mm || !dd) return null;
  const [, dbName, y, mo, d, h, mi, s, ext, enc] = m;
  if (y !== yyyy || mo !== mm || d !== dd) return null;
  const createdAt = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (Number.isNaN(createdAt.getTime()) || createdAt.getUTCDate() !== Number(d)) return null;
  return {
    key,
    prefix: parts.slice(0, -4).join('/'),
    dbName: dbName ?? '',
    createdAt,
    format: ext === 'dump' || ext === 'backup' ? 'custom' : 'plain',
    gzip: ext === 'sql.gz',
    encrypted: enc === ENCRYPTED_SUFFIX,
  };
}

export function manifestKeyFor(backupKey: string): string {
  return `${backupKey}${MANIFEST_SUFFIX}`;
}

export function verifyKeyFor(backupKey: string): string {
  return `${backupKey}${VERIFY_SUFFIX}`;
}

export function claimKeyFor(backupKey: string): string {
  return `${backupKey}${CLAIM_SUFFIX}`;
}

/** Longest key S3 accepts (1,024 bytes of UTF-8). */
export const MAX_KEY_BYTES = 1024;

/**
 * Why a key that came from outside (argv, IPC, a listing, a manifest) must not be used, or null
 * when it is safe. Keys are untrusted input: a server that normalises paths turns
 * `../other-bucket/x` into another bucket, so nothing that could climb out of the prefix is used.
 * With `prefix` (the storage's configured prefix) the key must also lie inside it.
 */
export function backupKeyProblem(key: string, prefix?: string): string | null {
  if (key.length === 0) return 'it is empty';
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/u.test(key)) return 'it contains control characters';
  if (key.includes('\\')) return 'it contains a backslash';
  if (key.startsWith('/')) return 'it is an absolute path (starts with "/")';
  const segments = key.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return 'it contains a "." or ".." segment';
  if (segments.some((s) => s === '')) return 'it contains an empty segment ("//" or a trailing "/")';
  if (prefix !== undefined) {
    const p = normalizePrefix(prefix);
    if (p !== '' && !key.startsWith(`${p}/`)) return `it is outside the storage's prefix "${p}/"`;
  }
  return null;
}

export function indexKeyFor(backupKey: string): string {
  return `${backupKey}${INDEX_SUFFIX}`;
}

/** Where a backup's globals sidecar lives: encrypted like the backup when the backup is. */
export function globalsKeyFor(backupKey: string, encrypted: boolean): string {
  return `${backupKey}${encrypted ? ENCRYPTED_GLOBALS_SUFFIX : GLOBALS_SUFFIX}`;
}

export function copiesKeyFor(backupKey: string): string {
  return `${backupKey}${COPIES_SUFFIX}`;
}
