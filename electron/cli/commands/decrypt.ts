import type { Command } from 'commander';
import { decryptToFile } from '../../engine/crypto/decrypt-to-file.js';
import { checkedBackupKey } from '../../engine/backup/checked-key.js';
import { LifeboatError } from '../../engine/errors.js';
import { keychainKeyResolver } from '../../engine/profiles/key-store.js';
import { resolveProfile } from '../../engine/profiles/resolve-profile.js';
import { openStorage } from '../../engine/storage/open-storage.js';
import { parseStorageTarget } from '../../engine/storage/target.js';
import { interruptSignal } from '../output.js';

interface DecryptOptions {
  key?: string;
  file?: string;
  to?: string;
  profile?: string;
  out: string;
}

export function registerDecrypt(program: Command): void {
  program
    .command('decrypt')
    .description('Turn an encrypted backup (.enc) into the plain pg_dump archive, with a key from the keychain')
    .option('--key <backup-key>', 'the backup in storage, as `lifeboat list` shows it')
    .option('--file <path>', 'a local copy of an encrypted backup instead of --key')
    .option('--to <storage-url>', 'storage holding --key (default: BACKUP_S3_BUCKET, else the local folder)')
    .option('--profile <name>', 'use the storage of this profile')
    .requiredOption('--out <file>', 'where to write the plain archive (never overwritten)')
    .action(async (opts: DecryptOptions) => {
      const env = process.env;
      if ((opts.key === undefined) === (opts.file === undefined)) {
        throw new LifeboatError('BAD_INPUT', 'Name the backup with either --key KEY (in storage) or --file PATH (a local copy).');
      }
      const signal = interruptSignal();
      const resolveKey = keychainKeyResolver(env);
      let r;
      if (opts.key !== undefined) {
        const target = opts.profile && !opts.to ? (await resolveProfile(opts.profile, env, { dbPassword: false, encryptionKey: false })).target : parseStorageTarget(opts.to, env);
        r = await decryptToFile({ storage: openStorage(target), key: checkedBackupKey(opts.key, target.prefix) }, opts.out, resolveKey, signal);
      } else {
        r = await decryptToFile({ file: opts.file as string }, opts.out, resolveKey, signal);
      }
      process.stderr.write(`lifeboat: decrypted ${r.bytes} bytes with key ${r.keyId} into ${opts.out}\n`);
    });
}
