// The manifest is written beside every backup (<key>.manifest.json) only after the dump and the
// upload both succeeded: a backup without its manifest is, by definition, incomplete.
// Manifests come back from storage, which anyone with write access to the bucket can change: they
// are untrusted input, validated here (types, sizes, the key they describe) before any use.
// docs/manifest-format.md describes every field and what older versions do with newer manifests.
import { z } from 'zod';

/**
 * Raised only when a field older versions read changes meaning or goes away; new optional fields
 * keep the version (older Lifeboats ignore them and keep them when rewriting the pin). The globals
 * fields (globals, globalsWarning, roles) are such optional fields: raising the version for them
 * would make every older Lifeboat refuse new backups it can restore perfectly well.
 */
export const MANIFEST_FORMAT_VERSION = 1;

/** A set's id: the server-backup's start time and a random suffix, e.g. set_20261201_030000_3f9a1c. */
export const GROUP_ID_PATTERN = /^set_\d{8}_\d{6}_[0-9a-f]{6}$/;

/** Larger than any real manifest (100,000 tables are ~10 MB); anything bigger is not ours. */
export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;

const short = (max: number) => z.string().max(max);
const timestamp = z.string().max(64).refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');

export const tableCountSchema = z.object({
  schema: short(1024),
  name: short(1024),
  rows: z.number().int().nonnegative(),
  /** Order-independent fingerprint of the rows (32 hex digits), when counted from the dump's COPY text. */
  fingerprint: z.string().regex(/^[0-9a-f]{32}$/).optional(),
});

export const manifestSchema = z.looseObject({
  formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
  key: z.string().min(1).max(1024),
  database: short(1024),
  format: z.enum(['custom', 'plain']),
  /** plain dumps are gzipped by Lifeboat; custom archives use pg_dump's own compression. */
  compression: z.enum(['gzip', 'pg_dump']),
  server: z.object({
    version: short(200),
    versionNum: z.number().int().nonnegative(),
    host: short(1024),
    port: z.number().int().min(0).max(65535),
  }),
  pgDump: z.object({ version: short(200), major: z.number().int().nonnegative(), path: short(4096) }),
  startedAt: timestamp,
  finishedAt: timestamp,
  sizeBytes: z.number().int().nonnegative(),
  /** SHA-256 (hex) of the stored bytes, computed while they streamed to storage. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** exact: counted with count(*) in the same snapshot pg_dump used; estimated: pg_class.reltuples. */
  rowCounts: z.enum(['exact', 'estimated']),
  /**
   * Present when no counts could be taken (the counting connection was lost while pg_dump went on):
   * `tables` is then empty and rowCounts "estimated", so older versions read it as "nothing to compare".
   */
  rowCountsNote: short(2000).nullable().optional(),
  tables: z.array(tableCountSchema).max(1_000_000),
  label: short(1000).nullable(),
  pinned: z.boolean(),
  storageClass: short(100).nullable(),
  lifeboatVersion: short(100),
  encryption: z
    .object({ algorithm: short(100), keyId: short(200) })
    .nullable()
    .default(null),
  /**
   * How the backup got into storage when Lifeboat's pg_dump did not write it: `import` for a file
   * uploaded with `lifeboat import` (server and pg_dump fields then come from the file's header, as
   * far as it says; host is empty and port 0).
   */
  source: z.object({ kind: z.literal('import'), fileName: short(1024), importedAt: timestamp }).optional(),
  /**
   * Who compressed the stored bytes and how (absent before this field existed: pg_dump, its default).
   * `lifeboat`: pg_dump wrote -Z0 and Lifeboat compressed in `workers` threads into the same format
   * (zlib blocks of a custom archive, gzip members of plain SQL). Level null: pg_dump's default.
   */
  compressedBy: z
    .object({ tool: z.enum(['pg_dump', 'lifeboat']), algorithm: z.enum(['gzip', 'lz4', 'zstd', 'none']), level: z.number().int().min(0).max(22).nullable(), workers: z.number().int().min(0).max(1024) })
    .optional(),
  /** The archive index written beside a backup (<key>.index.json, docs/index-format.md: version 1 custom, version 2 plain SQL). */
  index: z.object({ sizeBytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  /**
   * The server's globals (roles, memberships, tablespaces) from `pg_dumpall --globals-only`, stored
   * beside the backup (<key>.globals.sql, or .globals.sql.enc encrypted like the backup). Absent in
   * backups made before globals were recorded; `globalsWarning` says why a newer backup has none.
   */
  globals: z
    .object({
      name: z.string().regex(/^[^/]{1,255}$/),
      sizeBytes: z.number().int().nonnegative(),
      /** SHA-256 (hex) of the stored bytes (of the ciphertext when encrypted). */
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      /** Whether role password hashes are included (only ever in encrypted backups). */
      rolePasswords: z.boolean(),
      pgDumpall: z.object({ version: short(200), major: z.number().int().nonnegative() }),
    })
    .optional(),
  globalsWarning: short(4000).optional(),
  /**
   * The roles a custom archive refers to, read from its table of contents while it streamed:
   * object owners, and the grantees of its privileges. A restore checks them against the target
   * before anything is downloaded.
   */
  roles: z.object({ owners: z.array(short(1024)).max(100_000), grantees: z.array(short(1024)).max(100_000) }).optional(),
  /** The tablespaces a custom archive's objects live in (other than the default), when any: a restore checks them against the target first. */
  tablespaces: z.array(short(1024)).max(10_000).optional(),
  /**
   * One backup of a set (`lifeboat backup --all-databases`): every database of a server, taken
   * together. `size` is how many backups the set has; one of them holds the server's globals.
   */
  group: z.object({ id: z.string().regex(GROUP_ID_PATTERN), size: z.number().int().min(1).max(100_000) }).optional(),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
export type TableCount = z.infer<typeof tableCountSchema>;

/** What reading a manifest found; anything but `ok` means Lifeboat does not understand it. */
export type ManifestRead =
  | { status: 'ok'; manifest: BackupManifest }
  | { status: 'missing' }
  | { status: 'damaged' | 'newer-format' | 'unreadable'; problem: string };

/**
 * Validates a manifest's text for the backup `key` it sits beside. Pure, so the listing, restore,
 * pin and retention all judge a manifest the same way.
 */
export function parseManifestText(text: string, key: string): ManifestRead {
  if (text.length > MAX_MANIFEST_BYTES) return { status: 'damaged', problem: `its manifest is larger than ${MAX_MANIFEST_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: 'damaged', problem: 'its manifest is not valid JSON' };
  }
  const version = typeof json === 'object' && json !== null ? (json as { formatVersion?: unknown }).formatVersion : undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version > MANIFEST_FORMAT_VERSION) {
    return { status: 'newer-format', problem: `its manifest has format version ${version}, newer than this Lifeboat understands (${MANIFEST_FORMAT_VERSION}); update Lifeboat` };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { status: 'damaged', problem: `its manifest is damaged (${where}${issue?.message ?? 'invalid'})` };
  }
  if (parsed.data.key !== key) {
    return { status: 'damaged', problem: `its manifest describes another key (${JSON.stringify(parsed.data.key.slice(0, 200))})` };
  }
  return { status: 'ok', manifest: parsed.data };
}
