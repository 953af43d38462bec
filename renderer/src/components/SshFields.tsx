import { useId, type ChangeEvent } from 'react';
import type { SshView } from '../../../shared/ipc-contract.js';
import type { SshFormState } from '../lib/ssh-form.js';

interface Props {
  value: SshFormState;
  onChange: (next: SshFormState) => void;
  saved: SshView | null | undefined;
  /** A host key the last connection test met and nobody listed: offered for pinning, never pinned by itself. */
  offeredFingerprint: string | null;
}

/**
 * "Reach through SSH", the same settings as the CLI's --ssh options: the SSH server, how to log in
 * (a private key kept in the keychain, or the running SSH agent) and how its host key is checked.
 * A chosen key is read here and sent once when saving; the form never receives it back.
 */
export function SshFields({ value, onChange, saved, offeredFingerprint }: Props) {
  const ids = useId();
  const set = (patch: Partial<SshFormState>) => onChange({ ...value, ...patch });
  const keySaved = saved?.login === 'key';

  const chooseKey = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = ''; // the same file may be chosen again after an edit
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => set({ privateKey: typeof reader.result === 'string' ? reader.result : '', privateKeyName: file.name });
    reader.readAsText(file);
  };

  return (
    <fieldset className="ssh-fields">
      <legend>SSH</legend>
      <label className="check">
        <input type="checkbox" checked={value.enabled} onChange={(e) => set({ enabled: e.target.checked })} aria-describedby={`${ids}-ssh-help`} /> Reach through SSH
      </label>
      <p id={`${ids}-ssh-help`} className="help">
        For a database that only an SSH server can reach: every backup, restore and test goes through a tunnel that lives as long as the job. The database URL then names the server as the SSH server sees it (often localhost).
        {saved && !value.enabled ? ' Saving removes the saved SSH settings.' : ''}
      </p>
      {value.enabled && (
        <>
          <label htmlFor={`${ids}-dest`}>SSH server</label>
          <input id={`${ids}-dest`} value={value.destination} onChange={(e) => set({ destination: e.target.value })} placeholder="deploy@bastion.example.com:22" spellCheck={false} autoComplete="off" required />

          <fieldset>
            <legend>Log in with</legend>
            <label className="check">
              <input type="radio" name={`${ids}-login`} checked={value.login === 'key'} onChange={() => set({ login: 'key' })} /> A private key (kept in the keychain)
            </label>
            <label className="check">
              <input type="radio" name={`${ids}-login`} checked={value.login === 'agent'} onChange={() => set({ login: 'agent', privateKey: '', privateKeyName: '' })} /> The running SSH agent
            </label>
          </fieldset>
          {value.login === 'key' && (
            <>
              <label htmlFor={`${ids}-keyfile`}>Private key file</label>
              <input id={`${ids}-keyfile`} type="file" onChange={chooseKey} aria-describedby={`${ids}-key-status`} />
              <label htmlFor={`${ids}-keytext`}>Or paste the private key</label>
              <textarea
                id={`${ids}-keytext`}
                rows={3}
                spellCheck={false}
                autoComplete="off"
                value={value.privateKeyName ? '' : value.privateKey}
                onChange={(e) => set({ privateKey: e.target.value.trim() === '' ? '' : e.target.value, privateKeyName: '' })}
                placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                aria-describedby={`${ids}-key-status`}
              />
              <p id={`${ids}-key-status`} className="help">
                {value.privateKeyName
                  ? `${value.privateKeyName} chosen: saved into the keychain, never shown again.`
                  : value.privateKey
                    ? 'Pasted: saved into the keychain, never shown again.'
                    : keySaved
                      ? 'A private key is saved in the keychain (not shown); choose another to replace it.'
                      : 'A key protected by a passphrase belongs in the SSH agent instead.'}
              </p>
            </>
          )}

          <fieldset>
            <legend>Check the host key against</legend>
            <label className="check">
              <input type="radio" name={`${ids}-check`} checked={value.check === 'known-hosts'} onChange={() => set({ check: 'known-hosts' })} /> A known_hosts file
            </label>
            <label className="check">
              <input type="radio" name={`${ids}-check`} checked={value.check === 'fingerprint'} onChange={() => set({ check: 'fingerprint' })} /> A pinned fingerprint
            </label>
          </fieldset>
          {value.check === 'known-hosts' ? (
            <>
              <label htmlFor={`${ids}-kh`}>known_hosts file</label>
              <input id={`${ids}-kh`} value={value.knownHostsFile} onChange={(e) => set({ knownHostsFile: e.target.value })} placeholder="~/.ssh/known_hosts" spellCheck={false} aria-describedby={`${ids}-kh-help`} />
              <p id={`${ids}-kh-help`} className="help">
                Its full path; empty: ~/.ssh/known_hosts. An unknown or changed host key stops the connection.
              </p>
            </>
          ) : (
            <>
              <label htmlFor={`${ids}-fp`}>Host key fingerprint</label>
              <input id={`${ids}-fp`} value={value.fingerprint} onChange={(e) => set({ fingerprint: e.target.value })} placeholder="SHA256:…" spellCheck={false} aria-describedby={`${ids}-fp-help`} />
              <p id={`${ids}-fp-help`} className="help">
                As ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub prints it on the SSH server; any other key stops the connection.
              </p>
            </>
          )}
          {offeredFingerprint && !(value.check === 'fingerprint' && value.fingerprint.trim() === offeredFingerprint) && (
            <div className="row">
              <button type="button" onClick={() => set({ check: 'fingerprint', fingerprint: offeredFingerprint })}>
                Pin {offeredFingerprint}
              </button>
            </div>
          )}
        </>
      )}
    </fieldset>
  );
}
