import type { Command } from 'commander';
import type { Profile, ServerSideEncryption } from '../../../shared/profile.js';
import { LifeboatError } from '../../engine/errors.js';
import { createKey } from '../../engine/profiles/key-store.js';
import { addProfile, checkProfileName, editProfile, getProfile, listProfiles, removeProfile, type ProfileChanges } from '../../engine/profiles/profiles.js';
import { describeTarget, parseStorageTarget } from '../../engine/storage/target.js';
import { printJson } from '../output.js';
import { collectRepeated } from '../repeated-option.js';
import { readSecrets } from '../secret-input.js';
import { sshChangesFrom, sshOptions, type SshOptions } from '../ssh-options.js';
import type { CompressMethod } from '../../../shared/compression.js';
import { compressionChangeFrom, compressMethodOption } from '../compress-options.js';

interface ProfileOptions extends SshOptions {
  db?: string;
  passwordStdin?: boolean;
  forgetPassword?: boolean;
  to?: string;
  s3AccessKeyId?: string;
  s3SecretStdin?: boolean;
  forgetS3Credentials?: boolean;
  sse?: string;
  sseKmsKeyId?: string;
  format?: string;
  compressMethod?: CompressMethod;
  compressLevel?: string;
  encrypt?: string | boolean;
  copyTo?: string[];
  clearCopies?: boolean;
  copyS3AccessKeyId?: string;
  copyS3SecretStdin?: boolean;
  copyKeysFor?: string;
  forgetCopyS3Credentials?: boolean;
  json?: boolean;
}

function sseFrom(opts: ProfileOptions): ServerSideEncryption | null | undefined {
  if (opts.sse === undefined) {
    if (opts.sseKmsKeyId) return { mode: 'aws:kms', kmsKeyId: opts.sseKmsKeyId };
    return undefined;
  }
  const mode = opts.sse.toLowerCase();
  if (mode === 'none') return null;
  if (mode === 'aes256') return { mode: 'AES256' };
  if (mode === 'aws:kms' || mode === 'kms') return { mode: 'aws:kms', kmsKeyId: opts.sseKmsKeyId ?? null };
  throw new LifeboatError('BAD_INPUT', `Unknown server-side encryption "${opts.sse}"; use --sse AES256, --sse aws:kms (with --sse-kms-key-id) or --sse none.`);
}

/** Options to changes; secrets are read here (stdin or a hidden prompt), never from argv. */
async function changesFrom(opts: ProfileOptions, env: NodeJS.ProcessEnv): Promise<ProfileChanges> {
  const c: ProfileChanges = await sshChangesFrom(opts);
  if (opts.db !== undefined) c.dbUrl = opts.db === '' ? null : opts.db;
  if (opts.to !== undefined) c.storageUrl = opts.to === '' ? null : opts.to;
  if (opts.format !== undefined) {
    if (opts.format !== 'custom' && opts.format !== 'plain') throw new LifeboatError('BAD_INPUT', `Unknown format "${opts.format}"; use --format custom or --format plain.`);
    c.format = opts.format;
  }
  const compression = compressionChangeFrom(opts.compressMethod, opts.compressLevel);
  if (compression) c.compression = compression;
  const sse = sseFrom(opts);
  if (sse !== undefined) c.serverSideEncryption = sse;
  if (opts.s3SecretStdin && !opts.s3AccessKeyId) throw new LifeboatError('BAD_INPUT', '--s3-secret-stdin needs --s3-access-key-id ID as well.');
  if (opts.s3AccessKeyId && !opts.s3SecretStdin) throw new LifeboatError('BAD_INPUT', '--s3-access-key-id needs --s3-secret-stdin as well (the secret is read from stdin or asked for).');
  if (opts.copyTo && opts.clearCopies) throw new LifeboatError('BAD_INPUT', 'Give either --copy-to or --clear-copies, not both.');
  if (opts.copyTo) c.copyTo = opts.copyTo;
  else if (opts.clearCopies) c.copyTo = [];
  if (opts.copyS3SecretStdin && !opts.copyS3AccessKeyId) throw new LifeboatError('BAD_INPUT', '--copy-s3-secret-stdin needs --copy-s3-access-key-id ID as well.');
  if (opts.copyS3AccessKeyId && !opts.copyS3SecretStdin) throw new LifeboatError('BAD_INPUT', '--copy-s3-access-key-id needs --copy-s3-secret-stdin as well (the secret is read from stdin or asked for).');
  if (opts.copyKeysFor !== undefined && !opts.copyS3AccessKeyId) throw new LifeboatError('BAD_INPUT', '--copy-keys-for names the copy that --copy-s3-access-key-id and --copy-s3-secret-stdin are for; give those too.');
  const names = [
    ...(opts.passwordStdin ? ['Database password'] : []),
    ...(opts.s3SecretStdin ? ['S3 secret access key'] : []),
    ...(opts.copyS3SecretStdin ? ['S3 secret access key of the copy destination'] : []),
  ];
  const secrets = await readSecrets(names);
  if (opts.passwordStdin) c.dbPassword = secrets.shift() ?? null;
  else if (opts.forgetPassword) c.dbPassword = null;
  if (opts.s3SecretStdin && opts.s3AccessKeyId) c.s3Credentials = { accessKeyId: opts.s3AccessKeyId, secretAccessKey: secrets.shift() ?? '' };
  else if (opts.forgetS3Credentials) c.s3Credentials = null;
  if (opts.copyS3SecretStdin && opts.copyS3AccessKeyId) c.copyS3Credentials = { forUrl: opts.copyKeysFor, accessKeyId: opts.copyS3AccessKeyId, secretAccessKey: secrets.shift() ?? '' };
  else if (opts.forgetCopyS3Credentials) c.copyS3Credentials = null;
  if (opts.encrypt === false) c.encryptionKeyId = null;
  else if (opts.encrypt === true || opts.encrypt === 'new') {
    const key = await createKey(env, null);
    process.stderr.write(`lifeboat: created encryption key ${key.id}. Export its recovery key now and keep it offline: lifeboat key export ${key.id}\n`);
    c.encryptionKeyId = key.id;
  } else if (typeof opts.encrypt === 'string') c.encryptionKeyId = opts.encrypt;
  return c;
}

function describeProfile(p: Profile, env: NodeJS.ProcessEnv): string[] {
  let storage = p.storage.url ?? '(default: BACKUP_S3_BUCKET, else the local folder)';
  try {
    storage = describeTarget(parseStorageTarget(p.storage.url ?? undefined, env));
  } catch {
    // shown as saved
  }
  const sse = p.storage.serverSideEncryption;
  return [
    `name:        ${p.name}`,
    `database:    ${p.database.url ?? '(PG* environment variables)'}`,
    ...describeSsh(p),
    `password:    ${p.database.passwordInKeychain ? 'in the keychain (not shown)' : 'none stored (PGPASSWORD or ~/.pgpass)'}`,
    `storage:     ${storage}`,
    `credentials: ${p.storage.credentialsInKeychain ? 'S3 access key in the keychain (not shown)' : 'AWS environment or profile'}`,
    `server-side: ${sse ? (sse.mode === 'AES256' ? 'SSE-S3 (AES256)' : `SSE-KMS${sse.kmsKeyId ? ` with key ${sse.kmsKeyId}` : ''}`) : 'none'}`,
    `copies:      ${p.copies.length === 0 ? 'none' : p.copies.map((c) => `${c.url}${c.credentialsInKeychain ? ' (S3 keys in the keychain)' : ''}`).join(', ')}`,
    `format:      ${p.format}`,
    `compression: ${p.compression ? `${p.compression.method}${p.compression.level !== null ? ` level ${p.compression.level}` : ''}` : 'gzip (default)'}`,
    `encryption:  ${p.encryption ? `AES-256-GCM with key ${p.encryption.keyId}` : 'none'}`,
  ];
}

function describeSsh(p: Profile): string[] {
  const ssh = p.database.ssh;
  if (!ssh) return [];
  const login = ssh.identityInKeychain ? 'private key in the keychain (not shown)' : 'the running SSH agent';
  const hostKey = ssh.hostKeyFingerprint ? `pinned ${ssh.hostKeyFingerprint}` : `checked against ${ssh.knownHostsFile ?? '~/.ssh/known_hosts'}`;
  return [`through ssh: ${ssh.destination}, logging in with ${login}; host key ${hostKey}`];
}

function profileOptions(cmd: Command, forEdit: boolean): Command {
  sshOptions(cmd, 'the database');
  cmd
    .option('--db <url>', 'libpq URL of the database, without password (postgresql://user@host:5432/db)')
    .option('--password-stdin', 'read the database password from stdin (asked without echo on a terminal) into the keychain')
    .option('--to <storage-url>', 's3://bucket[/prefix][?endpoint=&region=&path_style=&storage_class=] or file:///folder')
    .option('--s3-access-key-id <id>', 'S3 access key id to keep in the keychain (with --s3-secret-stdin)')
    .option('--s3-secret-stdin', 'read the S3 secret access key from stdin (after the password, if both) into the keychain')
    .option('--sse <mode>', 'S3 server-side encryption: AES256, aws:kms or none')
    .option('--sse-kms-key-id <id>', 'KMS key id for --sse aws:kms')
    .option('--copy-to <storage-url>', 'also copy every backup there (repeatable; replaces the list): s3://bucket[/prefix]?endpoint=… or file:///folder', collectRepeated)
    .option('--copy-s3-access-key-id <id>', "S3 access key id of a copy destination's endpoint, for the keychain (with --copy-s3-secret-stdin)")
    .option('--copy-s3-secret-stdin', 'read that S3 secret access key from stdin (after the other secrets) into the keychain')
    .option('--copy-keys-for <storage-url>', 'which copy destination the copy keys are for, when the copies reach several endpoints')
    .option('--format <format>', 'custom (pg_dump -Fc) or plain (gzipped SQL)')
    .addOption(compressMethodOption('how its backups are compressed: gzip (default), lz4 or zstd (pg_dump 16+, custom format), none (custom format)'))
    .option('--compress-level <n>', 'level of that method: gzip 0-9 (default 6), lz4 1-12, zstd 1-22 (default: pg_dump\'s)')
    .option('--encrypt [key-id]', 'encrypt backups client-side with this key (new: create one)')
    .option('--json', 'print the profile as JSON');
  if (forEdit) {
    cmd
      .option('--no-encrypt', 'stop encrypting new backups (old ones keep their key)')
      .option('--no-ssh', 'connect to the database directly again (removes the stored SSH key)')
      .option('--forget-password', 'remove the stored database password from the keychain')
      .option('--forget-s3-credentials', 'remove the stored S3 credentials from the keychain')
      .option('--clear-copies', 'stop copying backups elsewhere (copies already made stay)')
      .option('--forget-copy-s3-credentials', "remove the copy destinations' S3 keys from the keychain");
  }
  return cmd;
}

export function registerProfile(program: Command): void {
  const env = process.env;
  const profile = program.command('profile').description('Saved connections and storage targets; their secrets live in the OS keychain');

  const show = (p: Profile, json: boolean | undefined): void => {
    if (json) printJson(p);
    else process.stdout.write(`${describeProfile(p, env).join('\n')}\n`);
  };

  profileOptions(profile.command('add <name>').description('Save a new profile'), false).action(async (name: string, opts: ProfileOptions) => {
    // Before reading secrets or creating a key: a name that cannot be saved wastes neither.
    checkProfileName(name);
    if ((await listProfiles(env)).some((p) => p.name === name)) {
      throw new LifeboatError('PROFILE_EXISTS', `A profile named "${name}" already exists; change it with \`lifeboat profile edit ${name}\` or pick another name.`);
    }
    show(await addProfile(env, name, await changesFrom(opts, env)), opts.json);
  });

  profileOptions(profile.command('edit <name>').description('Change a saved profile (only what is given)'), true).action(async (name: string, opts: ProfileOptions) => {
    await getProfile(env, name);
    show(await editProfile(env, name, await changesFrom(opts, env)), opts.json);
  });

  profile
    .command('list')
    .description('List saved profiles')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const all = await listProfiles(env);
      if (opts.json) return printJson(all);
      if (all.length === 0) {
        process.stdout.write('No profiles yet; add one with `lifeboat profile add NAME --db URL --to STORAGE-URL`.\n');
        return;
      }
      for (const p of all) {
        process.stdout.write(`${p.name}\t${p.database.url ?? '(PG* variables)'}\t${p.storage.url ?? '(default storage)'}\t${p.encryption ? `encrypted (${p.encryption.keyId})` : 'not encrypted'}\n`);
      }
    });

  profile
    .command('show <name>')
    .description('Show a profile (never its secrets)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => show(await getProfile(env, name), opts.json));

  profile
    .command('remove <name>')
    .description('Remove a profile and its keychain secrets (encryption keys stay: old backups need them)')
    .action(async (name: string) => {
      await removeProfile(env, name);
      process.stdout.write(`Removed profile ${name}.\n`);
    });
}
