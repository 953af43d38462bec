// The SSH part of a profile: validating and applying --ssh* changes, keeping the private key in
// the keychain (read once from the file, never stored anywhere else), and turning the saved
// settings back into a route for the engine.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Profile, SshSettings } from '../../../shared/profile.js';
import { LifeboatError } from '../errors.js';
import { normalizeFingerprint } from '../ssh/host-key.js';
import { checkPrivateKey, formatSshDestination, hostCheckFrom, parseSshDestination, type SshRoute } from '../ssh/ssh-route.js';
import { accounts, type Keychain } from './keychain.js';

export interface SshChanges {
  /** user@host[:port]; null: connect directly again (the stored key is removed). */
  sshDestination?: string | null;
  /** The private key's text for the keychain; null: log in with the SSH agent instead. */
  sshIdentity?: string | null;
  /** A known_hosts file (null: the default ~/.ssh/known_hosts); replaces a pinned fingerprint. */
  sshKnownHostsFile?: string | null;
  /** A pinned host key fingerprint; replaces the known_hosts file. */
  sshHostKey?: string | null;
}

/** Reads the key file given with --ssh-identity: the text goes to the keychain, the path nowhere. */
export async function readIdentityFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new LifeboatError('BAD_INPUT', `Could not read the SSH private key ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the path of a readable private key file, e.g. ~/.ssh/id_ed25519.`);
  }
  checkPrivateKey(text, file);
  return text;
}

export function checkSshChanges(c: SshChanges): void {
  if (c.sshDestination) parseSshDestination(c.sshDestination);
  if (c.sshHostKey) normalizeFingerprint(c.sshHostKey);
  if (c.sshHostKey && c.sshKnownHostsFile) {
    throw new LifeboatError('BAD_INPUT', 'Give either a known_hosts file or a pinned host key fingerprint, not both: one of them decides which host key is trusted.');
  }
  if (typeof c.sshIdentity === 'string') checkPrivateKey(c.sshIdentity, 'the given key');
}

function touchesSsh(c: SshChanges): boolean {
  return c.sshDestination !== undefined || c.sshIdentity !== undefined || c.sshKnownHostsFile !== undefined || c.sshHostKey !== undefined;
}

/** The profile's SSH settings after the changes (a new object), or throws when they do not make a whole. */
export function nextSsh(current: SshSettings | null | undefined, c: SshChanges): SshSettings | null {
  if (!touchesSsh(c)) return current ?? null;
  if (c.sshDestination === null) return null;
  const destination = c.sshDestination ? formatSshDestination(parseSshDestination(c.sshDestination)) : current?.destination;
  if (!destination) throw new LifeboatError('BAD_INPUT', 'The SSH settings need the SSH server too (user@host[:port]).');
  if (!current && c.sshIdentity === undefined) {
    throw new LifeboatError('BAD_INPUT', 'Say how to log in to the SSH server: a private key file (kept in the keychain) or the running SSH agent.');
  }
  const next: SshSettings = current ? { ...current, destination } : { destination, identityInKeychain: false, knownHostsFile: null, hostKeyFingerprint: null };
  if (c.sshIdentity !== undefined) next.identityInKeychain = c.sshIdentity !== null;
  if (c.sshHostKey !== undefined) {
    next.hostKeyFingerprint = c.sshHostKey === null ? null : normalizeFingerprint(c.sshHostKey);
    if (next.hostKeyFingerprint) next.knownHostsFile = null;
  }
  if (c.sshKnownHostsFile !== undefined) {
    next.knownHostsFile = c.sshKnownHostsFile === null ? null : path.resolve(c.sshKnownHostsFile);
    if (next.knownHostsFile) next.hostKeyFingerprint = null;
  }
  return next;
}

/**
 * A stored key and a stored database password keep their SSH server: pointing the profile at
 * another SSH server (which then sees the forwarded password, and whose "localhost" is another
 * machine) needs them given again.
 */
export function checkSshSecretsStayPut(current: Profile, c: SshChanges): LifeboatError | null {
  const before = current.database.ssh?.destination ?? null;
  const after = nextSsh(current.database.ssh, c)?.destination ?? null;
  if (before === after) return null;
  if (current.database.ssh?.identityInKeychain && c.sshIdentity === undefined && after !== null) {
    return new LifeboatError('SSH_IDENTITY_REQUIRED', `The stored SSH key is only used for ${before}, where it was saved for, and the profile now goes through ${after}; give the private key again, or log in with the SSH agent.`);
  }
  if (current.database.passwordInKeychain) {
    return new LifeboatError('PASSWORD_REQUIRED', `The stored database password is only sent through ${before ?? 'a direct connection'}, where it was saved for, and the profile now goes through ${after ?? 'a direct connection'}; give it again.`, { hint: { kind: 'enter-password' } });
  }
  return null;
}

/** Stores or removes the private key as the changes say (before the config names it). */
export async function storeSshIdentity(chain: Keychain, name: string, c: SshChanges): Promise<void> {
  if (typeof c.sshIdentity === 'string') await chain.set(accounts.sshIdentity(name), c.sshIdentity);
  else if (c.sshIdentity === null || c.sshDestination === null) await chain.delete(accounts.sshIdentity(name));
}

export function sshTouchesKeychain(c: SshChanges): boolean {
  return c.sshIdentity !== undefined || c.sshDestination === null;
}

/** The saved settings as a route, with the private key from the keychain. */
export async function sshRouteOf(name: string, ssh: SshSettings, chain: Keychain | null, env: NodeJS.ProcessEnv): Promise<SshRoute> {
  const d = parseSshDestination(ssh.destination);
  const hostCheck = hostCheckFrom(ssh.knownHostsFile, ssh.hostKeyFingerprint, env);
  if (!ssh.identityInKeychain) return { ...d, auth: { kind: 'agent' }, hostCheck };
  const key = chain ? await chain.get(accounts.sshIdentity(name)) : null;
  if (key === null) {
    throw new LifeboatError('KEYCHAIN_UNAVAILABLE', `The profile "${name}" keeps its SSH private key in the keychain, but the keychain has no such entry; give the private key again.`);
  }
  return { ...d, auth: { kind: 'key', privateKey: () => key }, hostCheck };
}
