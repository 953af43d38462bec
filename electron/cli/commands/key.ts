import type { Command } from 'commander';
import { createKey, exportKey, importKey, listKeys } from '../../engine/profiles/key-store.js';
import { printJson } from '../output.js';
import { readSecrets } from '../secret-input.js';

export function registerKey(program: Command): void {
  const env = process.env;
  const key = program.command('key').description('Encryption master keys, kept in the OS keychain');

  key
    .command('create')
    .description('Create a new encryption key in the keychain')
    .option('--label <text>', 'a note to recognise it by')
    .option('--json', 'print JSON')
    .action(async (opts: { label?: string; json?: boolean }) => {
      const k = await createKey(env, opts.label ?? null);
      if (opts.json) printJson({ id: k.id, label: opts.label ?? null });
      else process.stdout.write(`${k.id}\n`);
      process.stderr.write(`lifeboat: without this key its backups cannot be decrypted. Export its recovery key now and keep it offline: lifeboat key export ${k.id}\n`);
    });

  key
    .command('list')
    .description('List encryption keys and whether this keychain holds them')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const all = await listKeys(env);
      if (opts.json) return printJson(all);
      if (all.length === 0) {
        process.stdout.write('No encryption keys; create one with `lifeboat key create`, or import one with `lifeboat key import`.\n');
        return;
      }
      for (const k of all) process.stdout.write(`${k.id}\t${k.inKeychain ? 'in keychain' : 'MISSING from keychain'}\t${k.createdAt ?? ''}\t${k.label ?? ''}\n`);
    });

  key
    .command('export <key-id>')
    .description('Print the recovery key to keep offline (paper, password manager): it decrypts every backup made with this key')
    .action(async (keyId: string) => {
      const text = await exportKey(env, keyId);
      process.stderr.write('lifeboat: this recovery key decrypts every backup made with it. Keep it offline and private; `lifeboat key import` restores it on a new machine.\n');
      process.stdout.write(`${text}\n`);
    });

  key
    .command('import')
    .description('Import a recovery key (read from stdin, or asked for without echo on a terminal)')
    .option('--label <text>', 'a note to recognise it by')
    .action(async (opts: { label?: string }) => {
      const [text] = await readSecrets(['Recovery key']);
      const k = await importKey(env, text ?? '', opts.label ?? null);
      process.stdout.write(`${k.id}\n`);
    });
}
