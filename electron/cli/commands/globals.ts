import type { Command } from 'commander';
import { showGlobals } from '../../engine/globals/show-globals.js';
import { keychainKeyResolver } from '../../engine/profiles/key-store.js';
import { resolveProfile } from '../../engine/profiles/resolve-profile.js';
import { parseStorageTarget } from '../../engine/storage/target.js';
import { interruptSignal } from '../output.js';

interface GlobalsOptions {
  key: string;
  to?: string;
  profile?: string;
}

export function registerGlobals(program: Command): void {
  program
    .command('globals')
    .description("Print the server's roles, memberships and tablespaces recorded with a backup (pg_dumpall --globals-only), decrypted if needed")
    .requiredOption('--key <backup-key>', 'the backup, as `lifeboat list` shows it')
    .option('--to <storage-url>', 'storage holding the backup (default: BACKUP_S3_BUCKET, else the local folder)')
    .option('--profile <name>', 'use the storage of this profile')
    .action(async (opts: GlobalsOptions) => {
      const env = process.env;
      const target = opts.profile && !opts.to ? (await resolveProfile(opts.profile, env, { dbPassword: false, encryptionKey: false })).target : parseStorageTarget(opts.to, env);
      process.stdout.write(await showGlobals(target, opts.key, keychainKeyResolver(env), interruptSignal()));
    });
}
