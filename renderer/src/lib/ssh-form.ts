// "Reach through SSH" on the database form: what the fields hold, what they send, and what is
// missing. Pure, so the rules are tested apart from the markup. The private key's text lives here
// only between choosing it and saving: it is sent once, to the keychain, and never comes back.
import type { SshInput, SshView } from '../../../shared/ipc-contract.js';

export interface SshFormState {
  enabled: boolean;
  /** user@host[:port] */
  destination: string;
  login: 'key' | 'agent';
  /** A newly chosen or pasted private key ('' keeps the saved one). */
  privateKey: string;
  /** The chosen file's name, for messages about it ('' when pasted). */
  privateKeyName: string;
  check: 'known-hosts' | 'fingerprint';
  /** Empty: ~/.ssh/known_hosts. */
  knownHostsFile: string;
  fingerprint: string;
}

export function sshFormOf(saved: SshView | null | undefined): SshFormState {
  return {
    enabled: Boolean(saved),
    destination: saved?.destination ?? '',
    login: saved?.login ?? 'key',
    privateKey: '',
    privateKeyName: '',
    check: saved?.hostKeyFingerprint ? 'fingerprint' : 'known-hosts',
    knownHostsFile: saved?.knownHostsFile ?? '',
    fingerprint: saved?.hostKeyFingerprint ?? '',
  };
}

/** The route as the engine takes it (null: directly). Without a new key, the saved login is kept. */
export function sshInputOf(s: SshFormState): SshInput | null {
  if (!s.enabled) return null;
  const login = s.login === 'agent' ? { privateKey: null } : s.privateKey !== '' ? { privateKey: s.privateKey, ...(s.privateKeyName ? { privateKeyName: s.privateKeyName } : {}) } : {};
  const hostCheck = s.check === 'fingerprint' ? { kind: 'fingerprint' as const, fingerprint: s.fingerprint.trim() } : { kind: 'known-hosts' as const, file: s.knownHostsFile.trim() || null };
  return { destination: s.destination.trim(), ...login, hostCheck };
}

/** Sent on save only when something changed, so editing other fields never touches the saved route. */
export function sshChangeOf(s: SshFormState, saved: SshView | null | undefined): { ssh?: SshInput | null } {
  const next = sshInputOf(s);
  if (next === null) return saved ? { ssh: null } : {};
  if (!saved) return { ssh: next };
  const sameLogin = s.login === 'agent' ? saved.login === 'agent' : next.privateKey === undefined && saved.login === 'key';
  const same =
    sameLogin &&
    next.destination === saved.destination &&
    (next.hostCheck.kind === 'fingerprint' ? next.hostCheck.fingerprint === saved.hostKeyFingerprint : saved.hostKeyFingerprint === null && (next.hostCheck.file ?? null) === saved.knownHostsFile);
  return same ? {} : { ssh: next };
}

/** What the form must say before anything is sent, or null. */
export function sshProblemOf(s: SshFormState, saved: SshView | null | undefined): string | null {
  if (!s.enabled) return null;
  if (s.destination.trim() === '') return 'Enter the SSH server as user@host or user@host:port, or untick “Reach through SSH”.';
  const savedKeyApplies = saved?.login === 'key' && saved.destination === s.destination.trim();
  if (s.login === 'key' && s.privateKey === '' && !savedKeyApplies) {
    return saved?.login === 'key'
      ? `The saved private key is only used for ${saved.destination}; choose the private key for ${s.destination.trim()}, or log in with the SSH agent.`
      : 'Choose the private key file that logs in to the SSH server (or paste it), or log in with the running SSH agent.';
  }
  if (s.check === 'fingerprint' && s.fingerprint.trim() === '') return 'Enter the host key fingerprint (SHA256:…), or check the host key against a known_hosts file.';
  return null;
}
