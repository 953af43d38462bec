// What the user can do about an engine error, as data: the engine says what went wrong in words
// that fit every surface, and each surface renders the way out in its own terms — the CLI with its
// flags and commands (electron/cli/hint-text.ts), the app with its own fields and buttons (here).
// So no app message ever tells the user to pass a flag or run a command.

export type ErrorHint =
  /** No suitable pg_dump/pg_restore/psql was found: point Lifeboat at a folder that has one. */
  | { kind: 'choose-pg-bin' }
  /** The backup asked for does not exist: list what does. */
  | { kind: 'list-backups' }
  /** Neither or both of "latest" and "this key" were asked for. */
  | { kind: 'choose-backup' }
  /** No table was named, or the one named is not in the backup. */
  | { kind: 'choose-table' }
  /** The row filter failed: it is the part after WHERE. */
  | { kind: 'check-filter' }
  /** The table to copy rows into is missing: create it, or export the rows to a file. */
  | { kind: 'create-table-or-export' }
  /** A stored password would go to another host/user: type it again. */
  | { kind: 'enter-password' }
  /** Stored S3 keys would go to another endpoint: type them again. */
  | { kind: 'enter-s3-keys' }
  /** A storage URL held credentials: keep them in the keychain or the AWS variables instead. */
  | { kind: 's3-keys-in-keychain' }
  /** The restore target exists (or is not empty): another name, a temporary database, or replace it. */
  | { kind: 'new-name-or-replace' }
  /** "Replace" was asked for a database that does not exist: create it instead. */
  | { kind: 'create-instead' }
  /** A system database was chosen as the restore target. */
  | { kind: 'not-a-system-database' }
  /** A restore into this database was interrupted: drop it first. */
  | { kind: 'drop-interrupted'; database: string }
  /** Other sessions held locks too long. */
  | { kind: 'wait-longer' }
  /** A backup's encryption key is not in this keychain: import it from its recovery key. */
  | { kind: 'import-key' }
  /** A profile encrypts with a key this keychain lacks: import it, or choose another key. */
  | { kind: 'profile-key-missing'; profile: string }
  /** A profile's secret is gone from the keychain: store it again. */
  | { kind: 'store-secret-again'; profile: string; secret: 'password' | 's3-keys' | 'copy-s3-keys' }
  /** Storage (a quota, or a folder's disk) is full: free space or go elsewhere. */
  | { kind: 'free-space'; where: 'quota' | 'folder' }
  /** An SSH server offered a host key nobody vouched for: compare it, then pin it deliberately. */
  | { kind: 'trust-host-key'; fingerprint: string }
  /** Old temporary databases use up every free name: drop some. */
  | { kind: 'drop-temp-databases' }
  /** Lifeboat's compression workers failed on this backup: try again, or let pg_dump compress. */
  | { kind: 'compress-with-pg-dump' }
  /** Roles the restore keeps owners or privileges for are missing on the target: create them first, or restore without. */
  | { kind: 'create-missing-roles' }
  /** Roles were to be created from recorded globals that cannot supply them: create them yourself, or restore without owners and privileges. */
  | { kind: 'roles-without-globals' }
  /** A bug: how to report it. */
  | { kind: 'report-bug' }
  /** A restore needs tablespaces the target lacks: the default tablespace instead, or create them. */
  | { kind: 'missing-tablespaces' }
  /** Tablespaces to create need their directories on the server first. */
  | { kind: 'prepare-tablespace-dirs' };

export type ErrorHintKind = ErrorHint['kind'];

/** Every kind once, so tests can render all of them on both surfaces. */
export const EXAMPLE_HINTS: readonly ErrorHint[] = [
  { kind: 'choose-pg-bin' },
  { kind: 'list-backups' },
  { kind: 'choose-backup' },
  { kind: 'choose-table' },
  { kind: 'check-filter' },
  { kind: 'create-table-or-export' },
  { kind: 'enter-password' },
  { kind: 'enter-s3-keys' },
  { kind: 's3-keys-in-keychain' },
  { kind: 'new-name-or-replace' },
  { kind: 'create-instead' },
  { kind: 'not-a-system-database' },
  { kind: 'drop-interrupted', database: 'shop_copy' },
  { kind: 'wait-longer' },
  { kind: 'import-key' },
  { kind: 'profile-key-missing', profile: 'shop' },
  { kind: 'store-secret-again', profile: 'shop', secret: 'password' },
  { kind: 'store-secret-again', profile: 'shop', secret: 's3-keys' },
  { kind: 'store-secret-again', profile: 'shop', secret: 'copy-s3-keys' },
  { kind: 'compress-with-pg-dump' },
  { kind: 'create-missing-roles' },
  { kind: 'roles-without-globals' },
  { kind: 'free-space', where: 'quota' },
  { kind: 'free-space', where: 'folder' },
  { kind: 'drop-temp-databases' },
  { kind: 'trust-host-key', fingerprint: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8' },
  { kind: 'report-bug' },
  { kind: 'missing-tablespaces' },
  { kind: 'prepare-tablespace-dirs' },
];

/** The app's words for a hint: its screens, fields and buttons, never a flag or a command. */
export function appHintText(h: ErrorHint): string {
  switch (h.kind) {
    case 'choose-pg-bin':
      return 'Or set the environment variable LIFEBOAT_PG_BIN to the folder that holds it and start Lifeboat again.';
    case 'list-backups':
      return 'Choose one of the backups shown on the calendar.';
    case 'choose-backup':
      return 'Choose "Latest backup" or one backup from the list.';
    case 'choose-table':
      return "Choose one of the tables in the backup's list.";
    case 'check-filter':
      return 'Write only the part after WHERE, e.g. customer_id = 42.';
    case 'create-table-or-export':
      return 'Create the table there first, or export the rows to a file instead.';
    case 'enter-password':
      return 'Type the password in the Password field.';
    case 'enter-s3-keys':
      return 'Type the S3 keys in the S3 access key fields.';
    case 's3-keys-in-keychain':
      return 'Type the S3 keys in the S3 access key fields instead; they are kept in the OS keychain.';
    case 'new-name-or-replace':
      return 'Choose a new name or a temporary database, or choose to replace its contents.';
    case 'create-instead':
      return 'Choose "A new database" to create it.';
    case 'not-a-system-database':
      return 'Choose another database name, or a temporary database.';
    case 'drop-interrupted':
      return `Drop "${h.database}" (it is listed with the temporary databases), then restore again.`;
    case 'wait-longer':
      return 'Try again once they have finished.';
    case 'import-key':
      return "Import the key into this machine's keychain from its recovery key (Lifeboat's command line does this), then try again.";
    case 'profile-key-missing':
      return `Import the key into this machine's keychain from its recovery key, or choose another encryption key for "${h.profile}".`;
    case 'store-secret-again':
      // The app's form has no fields for a copy's keys (yet): the command line stores them; the form can drop the copy.
      return h.secret === 'copy-s3-keys'
        ? `Store that copy's S3 keys again with Lifeboat's command line (its profile edit), or remove the copy from the settings of "${h.profile}" (Databases) and save.`
        : `Type the ${h.secret === 'password' ? 'password' : 'S3 keys'} again in the settings of "${h.profile}" (Databases) and save.`;
    case 'compress-with-pg-dump':
      return 'Try again; if it keeps happening, report it with this message.';
    case 'create-missing-roles':
      return 'Choose "Create missing roles first" to create them from the roles recorded with the backup, or create them on the target yourself.';
    case 'roles-without-globals':
      return 'Create the roles on the target yourself, or restore without "Create missing roles first" (everything then belongs to the restoring role).';
    case 'free-space':
      return h.where === 'quota'
        ? "Free space by keeping fewer backups (the retention of this database's schedules), or ask the storage's administrator for a larger quota."
        : "Free space by keeping fewer backups (the retention of this database's schedules), or choose another folder in the database's settings.";
    case 'drop-temp-databases':
      return 'Drop temporary databases you no longer need (Restore screen, Temporary databases), then try again.';
    case 'trust-host-key':
      return `Only if they match, pin ${h.fingerprint} as the host key in the database's SSH settings (Databases), or add it to the known_hosts file.`;
    case 'report-bug':
      return 'Try again; if it keeps happening, report it with this message.';
    case 'missing-tablespaces':
      return 'Tick "Put everything in the default tablespace", or "Create missing roles and tablespaces first" once each tablespace\'s directory exists on the server, owned by the server\'s OS user (e.g. postgres).';
    case 'prepare-tablespace-dirs':
      return 'Create each directory on the server, owned by the server\'s OS user (e.g. postgres), then restore again; or tick "Put everything in the default tablespace".';
  }
}

/** A message and its hint as one text for the app. */
export function withAppHint(message: string, hint: ErrorHint | null | undefined): string {
  return hint ? `${message} ${appHintText(hint)}` : message;
}
