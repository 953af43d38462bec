import type { ErrorHint } from '../../shared/error-hint.js';

const STORE_AGAIN_FLAGS = {
  password: '--password-stdin',
  's3-keys': '--s3-access-key-id ID --s3-secret-stdin',
  'copy-s3-keys': '--copy-s3-access-key-id ID --copy-s3-secret-stdin',
} as const;

/** The command line's words for a hint: its flags and commands (the app has its own, shared/error-hint.ts). */
export function cliHintText(h: ErrorHint): string {
  switch (h.kind) {
    case 'choose-pg-bin':
      return 'Or point Lifeboat at its folder with --pg-bin DIR or LIFEBOAT_PG_BIN.';
    case 'list-backups':
      return 'Check --to and --db-name, or run `lifeboat list`.';
    case 'choose-backup':
      return 'Use --latest (optionally with --db-name NAME) or --key KEY (see `lifeboat list`).';
    case 'choose-table':
      return 'Check --table (schema.name, e.g. --table sales.orders).';
    case 'check-filter':
      return 'Check --where (it is the part after WHERE in SQL).';
    case 'create-table-or-export':
      return 'Create it first, or write the rows to a file with --format sql.';
    case 'enter-password':
      return 'Enter the password again (CLI: --password-stdin).';
    case 'enter-s3-keys':
      return 'Enter the S3 keys again (CLI: --s3-access-key-id ID --s3-secret-stdin).';
    case 's3-keys-in-keychain':
      return 'Instead, keep S3 keys in the keychain (lifeboat profile add/edit --s3-access-key-id ID --s3-secret-stdin, or the app\'s S3 keys fields) or in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';
    case 'new-name-or-replace':
      return 'Restore into a new database (another name, or --temp), or replace its contents with --clean --yes.';
    case 'create-instead':
      return 'Drop --clean to create it.';
    case 'not-a-system-database':
      return 'Use another name or --temp, or add --allow-system-database if this is really what you want.';
    case 'drop-interrupted':
      return `Drop it with \`lifeboat temp drop ${h.database} --server URL\`, then restore again.`;
    case 'wait-longer':
      return 'Or allow a longer wait with --lock-timeout SECONDS.';
    case 'import-key':
      return 'Import it with `lifeboat key import` from the recovery key `lifeboat key export` printed.';
    case 'profile-key-missing':
      return `Import it with \`lifeboat key import\` from its recovery key, or choose another with \`lifeboat profile edit ${h.profile} --encrypt KEY-ID\`.`;
    case 'store-secret-again':
      return `Store ${h.secret === 'copy-s3-keys' ? 'them' : 'it'} again with \`lifeboat profile edit ${h.profile} ${STORE_AGAIN_FLAGS[h.secret]}\`.`;
    case 'compress-with-pg-dump':
      return 'Try again, or back up with --compress-workers 0 to let pg_dump compress on its own.';
    case 'create-missing-roles':
      return 'Add --with-globals to create them first from the globals recorded with the backup, or drop --keep-owner and --keep-acl to restore everything owned by your own role.';
    case 'roles-without-globals':
      return 'Create the roles on the target yourself, or restore without owners and privileges (no --keep-owner, --keep-acl or --with-globals).';
    case 'free-space':
      return h.where === 'quota'
        ? "Free space with `lifeboat prune`, or ask the storage's administrator for a larger quota."
        : 'Free some space (`lifeboat prune`) or choose another folder.';
    case 'drop-temp-databases':
      return 'Drop old ones with `lifeboat temp drop` (see `lifeboat temp list`).';
    case 'trust-host-key':
      return `Only if they match, pin it with --ssh-host-key ${h.fingerprint}, or add it to the known_hosts file.`;
    case 'report-bug':
      return 'Run the command again with --verbose and report what it prints.';
    case 'missing-tablespaces':
      return "Add --no-tablespaces to put everything in the database's default tablespace, or --with-globals to create them first from the globals recorded with the backup (each directory must already exist on the server, owned by the server's OS user, e.g. postgres).";
    case 'prepare-tablespace-dirs':
      return "Create each directory on the server, owned by the server's OS user (e.g. `mkdir -p DIR && chown postgres: DIR`), then restore again; or add --no-tablespaces to put everything in the database's default tablespace.";
  }
}

/** A message and its hint as one line for the terminal. */
export function withCliHint(message: string, hint: ErrorHint | null | undefined): string {
  return hint ? `${message} ${cliHintText(hint)}` : message;
}
