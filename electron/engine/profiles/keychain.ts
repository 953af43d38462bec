import { AsyncEntry, findCredentialsAsync } from '@napi-rs/keyring';
import { LifeboatError } from '../errors.js';

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux) through
 * @napi-rs/keyring. Every secret Lifeboat keeps lives here and nowhere else: when the keychain
 * cannot be reached the operation fails with instructions, never falling back to a plain file.
 */
export interface Keychain {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True when something was deleted. */
  delete(account: string): Promise<boolean>;
  accounts(): Promise<string[]>;
}

const HOW_TO_ENABLE =
  'On Linux Lifeboat uses the Secret Service: run it in a desktop session with GNOME Keyring or KWallet unlocked, ' +
  "or on a headless machine start one with `dbus-run-session -- sh -c 'gnome-keyring-daemon --unlock --components=secrets; lifeboat ...'` " +
  '(packages gnome-keyring and dbus). Without a keychain, keep using PGPASSWORD or ~/.pgpass for the database and ' +
  'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile for storage; Lifeboat never writes secrets to a plain file.';

/** Turns the binding's errors into one sentence a user can act on. */
export function keychainError(e: unknown): LifeboatError {
  const raw = e instanceof Error ? e.message : String(e);
  if (/locked|prompt|dismissed/i.test(raw)) {
    return new LifeboatError(
      'KEYCHAIN_LOCKED',
      `The OS keychain is locked (${raw}): unlock it (log in to the desktop session, or run \`gnome-keyring-daemon --unlock\` on a headless machine) and try again.`,
      { cause: e },
    );
  }
  return new LifeboatError('KEYCHAIN_UNAVAILABLE', `The OS keychain is not available (${raw}). ${HOW_TO_ENABLE}`, { cause: e });
}

async function guarded<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw keychainError(e);
  }
}

/** LIFEBOAT_KEYCHAIN_SERVICE lets tests (and side-by-side installs) keep their own entries. */
export function keychainService(env: NodeJS.ProcessEnv = process.env): string {
  return env.LIFEBOAT_KEYCHAIN_SERVICE || 'lifeboat';
}

export function openKeychain(env: NodeJS.ProcessEnv = process.env): Keychain {
  const service = keychainService(env);
  return {
    get: (account) => guarded(() => new AsyncEntry(service, account).getPassword()),
    set: (account, secret) => guarded(() => new AsyncEntry(service, account).setPassword(secret)),
    delete: (account) => guarded(() => new AsyncEntry(service, account).deleteCredential()),
    accounts: () => guarded(async () => (await findCredentialsAsync(service)).map((c) => c.account)),
  };
}

/** Account names, one per secret; the names are not secret (they show in the OS keychain UI). */
export const accounts = {
  dbPassword: (profile: string) => `profile/${profile}/db-password`,
  s3AccessKeyId: (profile: string) => `profile/${profile}/s3-access-key-id`,
  s3SecretAccessKey: (profile: string) => `profile/${profile}/s3-secret-access-key`,
  encryptionKey: (keyId: string) => `encryption-key/${keyId}`,
  sshIdentity: (profile: string) => `profile/${profile}/ssh-identity`,
  /** Keys of a copy destination, by the endpoint they are for (secret-scope.ts): never sent elsewhere. */
  copyS3AccessKeyId: (profile: string, scope: string) => `profile/${profile}/copy/${scope}/s3-access-key-id`,
  copyS3SecretAccessKey: (profile: string, scope: string) => `profile/${profile}/copy/${scope}/s3-secret-access-key`,
};
