import { pathToFileURL } from 'node:url';
import type { TargetView } from '../../shared/ipc-contract.js';
import type { Profile } from '../../shared/profile.js';
import { LifeboatError } from '../engine/errors.js';
import { defaultLocalBackupDir } from '../engine/paths.js';
import { parsePgConnection } from '../engine/pg/connection.js';
import { addProfile, editProfile, listProfiles, removeProfile } from '../engine/profiles/profiles.js';
import { resolveProfile } from '../engine/profiles/resolve-profile.js';
import { sshChangesOf, sshViewOf } from './ssh-input.js';
import type { ResolvedTarget, SaveTargetInput, TargetRepository } from './target-repository.js';

/**
 * The app's databases are the CLI's profiles (one config file, secrets in the OS keychain): a
 * profile added in the app is `lifeboat backup --profile NAME` on the command line and the other
 * way round. A target's id is its profile name. Passwords go to the keychain, never to a file,
 * and never come back to the UI; so does an SSH private key.
 */
export class ProfileTargetStore implements TargetRepository {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  defaultStorageUrl(): string {
    return pathToFileURL(defaultLocalBackupDir(this.env)).href;
  }

  private view(p: Profile): TargetView {
    return { id: p.name, name: p.name, dbUrl: p.database.url ?? '', storageUrl: p.storage.url ?? this.defaultStorageUrl(), hasPassword: p.database.passwordInKeychain, hasS3Credentials: p.storage.credentialsInKeychain, copyUrls: p.copies.map((c) => c.url), ssh: sshViewOf(p.database.ssh) };
  }

  async list(): Promise<TargetView[]> {
    return (await listProfiles(this.env)).map((p) => this.view(p));
  }

  async get(id: string, opts: { forBackup?: boolean } = {}): Promise<ResolvedTarget> {
    // Only backups need the profile's encryption key: restore, extract and verify take the key
    // the backup itself names, from the keychain.
    const r = await resolveProfile(id, this.env, { encryptionKey: opts.forBackup ?? false });
    return {
      id,
      name: id,
      dbUrl: r.db.url ?? '',
      storageUrl: r.profile.storage.url ?? this.defaultStorageUrl(),
      password: r.db.password,
      storage: r.target,
      copies: r.copies,
      encryptionKey: r.encryptionKey,
      compression: r.compression,
      ssh: r.db.ssh ?? null,
    };
  }

  async save(input: SaveTargetInput): Promise<TargetView> {
    // A password pasted inside the URL is split off and goes to the keychain like a typed one.
    const conn = parsePgConnection(input.dbUrl, {});
    if (!conn.url) throw new LifeboatError('BAD_DATABASE_URL', 'Enter the database URL, e.g. postgresql://user@host:5432/dbname.');
    const password = conn.password ?? input.password;
    const changes = {
      dbUrl: conn.url,
      storageUrl: input.storageUrl === '' ? null : input.storageUrl,
      ...(password === null ? { dbPassword: null } : password ? { dbPassword: password } : {}),
      ...(input.s3Credentials !== undefined ? { s3Credentials: input.s3Credentials } : {}),
      ...(input.copyUrls !== undefined ? { copyTo: input.copyUrls } : {}),
      // The same changes as --ssh/--ssh-identity/--ssh-agent/--ssh-known-hosts/--ssh-host-key/--no-ssh.
      ...sshChangesOf(input.ssh),
    };
    if (input.id !== undefined && input.id !== input.name) {
      throw new LifeboatError('BAD_INPUT', `A profile cannot be renamed (from "${input.id}" to "${input.name}"); add a new one and remove the old one.`);
    }
    const exists = (await listProfiles(this.env)).some((p) => p.name === input.name);
    const p = input.id !== undefined || exists ? await editProfileOrFail(this.env, input, changes, exists) : await addProfile(this.env, input.name, changes);
    return this.view(p);
  }

  async remove(id: string): Promise<boolean> {
    if (!(await listProfiles(this.env)).some((p) => p.name === id)) return false;
    await removeProfile(this.env, id);
    return true;
  }
}

async function editProfileOrFail(env: NodeJS.ProcessEnv, input: SaveTargetInput, changes: Parameters<typeof editProfile>[2], exists: boolean): Promise<Profile> {
  if (input.id === undefined && exists) throw new LifeboatError('BAD_INPUT', `A profile named "${input.name}" already exists; choose another name.`);
  return editProfile(env, input.name, changes);
}
