// "Reach through SSH" in the app: the form's fields turned into the profile changes the CLI's
// --ssh* options make, into a route for the connection test, and back into what the form may show.
// The private key only ever travels UI → keychain (or into memory for a test), never back.
import type { SshInput, SshView } from '../../shared/ipc-contract.js';
import type { SshSettings } from '../../shared/profile.js';
import { LifeboatError } from '../engine/errors.js';
import type { SshChanges } from '../engine/profiles/profile-ssh.js';
import { checkPrivateKey, formatSshDestination, hostCheckFrom, parseSshDestination, type SshRoute } from '../engine/ssh/ssh-route.js';
import type { ResolvedTarget } from './target-repository.js';

/** What the form may show of a saved route: no key, only how it logs in. */
export function sshViewOf(ssh: SshSettings | null | undefined): SshView | null {
  if (!ssh) return null;
  return { destination: ssh.destination, login: ssh.identityInKeychain ? 'key' : 'agent', knownHostsFile: ssh.knownHostsFile, hostKeyFingerprint: ssh.hostKeyFingerprint };
}

/** The key's own name in messages ("id_ed25519"), so that a refusal says which file. */
function checkKey(input: SshInput): void {
  if (typeof input.privateKey === 'string') checkPrivateKey(input.privateKey, input.privateKeyName || 'the private key you gave');
}

/** The profile changes for `targets.save` (absent: keep the saved route; null: remove it). */
export function sshChangesOf(input: SshInput | null | undefined): SshChanges {
  if (input === undefined) return {};
  if (input === null) return { sshDestination: null };
  checkKey(input);
  const check = input.hostCheck;
  return {
    sshDestination: input.destination,
    ...(input.privateKey !== undefined ? { sshIdentity: input.privateKey } : {}),
    ...(check.kind === 'fingerprint' ? { sshHostKey: check.fingerprint } : { sshHostKey: null, sshKnownHostsFile: check.file || null }),
  };
}

/**
 * The route the connection test goes through: the one on the form. Without a typed key it logs in
 * as the saved database does, and only to the SSH server that key was saved for.
 */
export function routeForTest(input: SshInput, saved: ResolvedTarget | null, env: NodeJS.ProcessEnv): SshRoute {
  checkKey(input);
  const destination = parseSshDestination(input.destination);
  const check = input.hostCheck;
  const hostCheck = check.kind === 'fingerprint' ? hostCheckFrom(null, check.fingerprint, env) : hostCheckFrom(check.file || null, null, env);
  if (typeof input.privateKey === 'string') {
    const key = input.privateKey;
    return { ...destination, auth: { kind: 'key', privateKey: () => key }, hostCheck };
  }
  if (input.privateKey === null) return { ...destination, auth: { kind: 'agent' }, hostCheck };
  const savedRoute = saved?.ssh ?? null;
  if (!savedRoute) {
    throw new LifeboatError('BAD_INPUT', 'Say how to log in to the SSH server: choose the private key file, or log in with the running SSH agent.');
  }
  if (formatSshDestination(savedRoute) !== formatSshDestination(destination)) {
    throw new LifeboatError('SSH_IDENTITY_REQUIRED', `The saved SSH login is only used for ${formatSshDestination(savedRoute)}, where it was saved for; choose the private key for ${formatSshDestination(destination)} again, or log in with the SSH agent.`);
  }
  return { ...destination, auth: savedRoute.auth, hostCheck };
}

/**
 * A saved password is only sent the way it was saved for: through another SSH server (which would
 * see it forwarded, and whose "localhost" is another machine) or directly instead, it is asked again.
 */
export function checkPasswordRoute(saved: SshRoute | null | undefined, route: SshRoute | null): void {
  const before = saved ? formatSshDestination(saved) : null;
  const after = route ? formatSshDestination(route) : null;
  if (before === after) return;
  throw new LifeboatError('PASSWORD_REQUIRED', `The saved database password is only sent ${before ? `through ${before}` : 'directly'}, where it was saved for, and this test goes ${after ? `through ${after}` : 'directly'}; type the password again.`, { hint: { kind: 'enter-password' } });
}
