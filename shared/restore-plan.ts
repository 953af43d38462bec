// What a restore will do, computed once by the engine before anything changes: the app's review,
// `lifeboat restore --dry-run` and the restore itself all work from this one structure, so what is
// shown is what happens. Pure data (JSON), no secrets: URLs and servers are shown without passwords.

/**
 * - create: a new database with the name the user gave is created, then restored into.
 * - create-temporary: a new database lifeboat_<db>_<YYYYMMDD_HHMMSS> is created (the exact name is
 *   in `destination.database`), recorded, and restored into.
 * - fill-empty: an existing database holding no objects is restored into, in one transaction.
 * - replace: an existing database is emptied (every schema, with all it holds, and every large
 *   object) and the backup restored into it, all in one transaction: a failure changes nothing.
 *   What is not inside a schema survives: the database itself with its owner, settings and
 *   privileges, and extensions installed in pg_catalog (plpgsql).
 */
export type RestoreAction = 'create' | 'create-temporary' | 'fill-empty' | 'replace';

export interface RestorePlan {
  /** When the plan was made (ISO); a temporary database's name carries this time. */
  plannedAt: string;
  backup: {
    key: string;
    /** Where it is stored, e.g. s3://bucket/prefix (no credentials). */
    storage: string;
    /** Set when it is read from a copy destination because the profile's storage could not give it: which, and why. */
    fromCopy?: string;
    createdAt: string;
    sizeBytes: number;
    database: string;
    hasManifest: boolean;
    /** The dumped server's version (from the manifest), null when unknown. */
    serverVersion: string | null;
    format: 'custom' | 'plain';
    encrypted: boolean;
  };
  /** Every storage object the restore reads: each once. */
  downloads: { key: string; bytes: number }[];
  destination: {
    /** host:port of the server written to. */
    server: string;
    serverVersion: string;
    /** The exact name of the database restored into (for a temporary one, the name it will get). */
    database: string;
    action: RestoreAction;
    /** Whether the database exists now. */
    exists: boolean;
    /** Objects in it now (existing databases only): tables, views, sequences, functions, schemas, large objects. */
    objectCount: number | null;
  };
  /** Only these tables / schemas are restored (custom archives); empty: the whole backup. */
  selection: { tables: string[]; schemas: string[] };
  /**
   * The roles the backup refers to (owners, privileges) and what the restore does about them.
   * Without keeping owners or privileges they do not matter (objects belong to the restoring role).
   * The engine always sets it; optional only so that a plan without it reads as "roles not kept".
   */
  roles?: {
    keepOwners: boolean;
    keepPrivileges: boolean;
    /** Roles the backup refers to that the target lacks; null when unknown before the download (plain SQL, or a backup without recorded roles). */
    missing: string[] | null;
    /** Whether missing roles are created first from the backup's globals. */
    createMissing: boolean;
  };
  /**
   * The tablespaces the backup's objects live in and what the restore does about them: keep them
   * (they exist on the target), put everything in the database's default tablespace, or create the
   * missing ones first from the backup's globals. Absent in plans of older Lifeboats.
   */
  tablespaces?: {
    /** Named by the archive; null when unknown before the download (plain SQL, an older manifest). */
    needed: string[] | null;
    /** Those the target lacks; null when not checked. */
    missing: string[] | null;
    action: 'keep' | 'default' | 'create';
  };
  /** The tool that runs the SQL: pg_restore for custom archives, psql for plain SQL. */
  tool: 'pg_restore' | 'psql';
  /** What will happen, step by step, in plain words. */
  steps: string[];
  warnings: string[];
  /** True when existing data will be replaced: the app asks to type `confirmName`, the CLI wants --yes. */
  destructive: boolean;
  confirmName: string | null;
}
