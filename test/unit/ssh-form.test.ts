// The SSH fields' rules, apart from the markup: what the form sends on save (only a change), and the
// profile changes the app service makes of it (the same as the CLI's --ssh* options).
import { describe, expect, it } from 'vitest';
import type { SshView } from '../../shared/ipc-contract.js';
import { sshChangeOf, sshFormOf, sshInputOf, sshProblemOf } from '../../renderer/src/lib/ssh-form.js';
import { sshChangesOf, sshViewOf } from '../../electron/app-service/ssh-input.js';

const FP = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
const agentSaved: SshView = { destination: 'deploy@bastion:2222', login: 'agent', knownHostsFile: '/etc/ssh/kh', hostKeyFingerprint: null };
const keySaved: SshView = { destination: 'deploy@bastion:2222', login: 'key', knownHostsFile: null, hostKeyFingerprint: FP };

describe('the form side', () => {
  it('sends nothing on save while the saved route is unchanged (agent or key)', () => {
    for (const saved of [agentSaved, keySaved]) expect(sshChangeOf(sshFormOf(saved), saved)).toEqual({});
    expect(sshChangeOf(sshFormOf(null), null)).toEqual({});
  });

  it('sends the whole route when one part changed, and null only when unticked', () => {
    expect(sshChangeOf({ ...sshFormOf(keySaved), fingerprint: ` ${FP.replace('E5SY8', 'E5SY9')} ` }, keySaved)).toEqual({
      ssh: { destination: keySaved.destination, hostCheck: { kind: 'fingerprint', fingerprint: FP.replace('E5SY8', 'E5SY9') } },
    });
    expect(sshChangeOf({ ...sshFormOf(agentSaved), check: 'known-hosts', knownHostsFile: '' }, agentSaved)).toEqual({
      ssh: { destination: agentSaved.destination, privateKey: null, hostCheck: { kind: 'known-hosts', file: null } },
    });
    expect(sshChangeOf({ ...sshFormOf(keySaved), enabled: false }, keySaved)).toEqual({ ssh: null });
  });

  it('asks for the key again when the SSH server changes', () => {
    expect(sshProblemOf({ ...sshFormOf(keySaved), destination: 'other@bastion' }, keySaved)).toBe(
      'The saved private key is only used for deploy@bastion:2222; choose the private key for other@bastion, or log in with the SSH agent.',
    );
    expect(sshProblemOf({ ...sshFormOf(keySaved), destination: 'other@bastion', privateKey: 'k' }, keySaved)).toBeNull();
    expect(sshInputOf({ ...sshFormOf(null), enabled: false, destination: 'x@y' })).toBeNull();
  });
});

describe('the service side', () => {
  it('maps the fields to the profile changes of the CLI options', () => {
    expect(sshChangesOf(undefined)).toEqual({});
    expect(sshChangesOf(null)).toEqual({ sshDestination: null });
    expect(sshChangesOf({ destination: 'a@b', privateKey: null, hostCheck: { kind: 'fingerprint', fingerprint: FP } })).toEqual({ sshDestination: 'a@b', sshIdentity: null, sshHostKey: FP });
    expect(sshChangesOf({ destination: 'a@b', hostCheck: { kind: 'known-hosts', file: null } })).toEqual({ sshDestination: 'a@b', sshHostKey: null, sshKnownHostsFile: null });
  });

  it('shows a saved route without anything secret', () => {
    expect(sshViewOf({ destination: 'a@b', identityInKeychain: true, knownHostsFile: null, hostKeyFingerprint: FP })).toEqual({ destination: 'a@b', login: 'key', knownHostsFile: null, hostKeyFingerprint: FP });
    expect(sshViewOf(undefined)).toBeNull();
  });

  it('refuses a key that is not a private key with one sentence naming it', () => {
    expect(() => sshChangesOf({ destination: 'a@b', privateKey: 'not a key at all', privateKeyName: 'notes.txt', hostCheck: { kind: 'known-hosts', file: null } })).toThrow(/^notes\.txt does not hold a private key Lifeboat can read/);
  });
});
