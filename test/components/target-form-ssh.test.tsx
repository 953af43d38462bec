// "Reach through SSH" on the database form: the fields and their accessible names, what each
// action sends, the checks made before anything is sent, and the private key going one way only.
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { TargetView } from '../../shared/ipc-contract.js';
import { TargetForm } from '../../renderer/src/components/TargetForm.js';
import { connectFake, TARGET } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ-test-only\n-----END OPENSSH PRIVATE KEY-----\n';
const FINGERPRINT = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
const REPORT = { serverVersion: '15.20', database: 'shop', databaseSizeBytes: 1, pgDump: { path: '/usr/bin/pg_dump', version: '15.20' }, pgDumpProblem: null };
const SAVED_SSH: TargetView = { ...TARGET, dbUrl: 'postgresql://app@localhost:5432/shop', ssh: { destination: 'deploy@bastion.example.com:2222', login: 'key', knownHostsFile: null, hostKeyFingerprint: FINGERPRINT } };

function saved(req: { name: string; dbUrl: string; storageUrl: string }): TargetView {
  return { id: req.name, name: req.name, dbUrl: req.dbUrl, storageUrl: req.storageUrl, hasPassword: false, ssh: null };
}

describe('the SSH fields', () => {
  it('appear when "Reach through SSH" is ticked, each with its accessible name', async () => {
    disconnect = connectFake({}).disconnect;
    render(<TargetForm defaultStorageUrl="file:///b" />);
    expect(screen.queryByRole('textbox', { name: 'SSH server' })).toBeNull();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Reach through SSH' }));
    const form = screen.getByRole('form', { name: 'Add a database' });
    expect(within(form).getByRole('textbox', { name: 'SSH server' })).toBeTruthy();
    expect(within(form).getByRole('group', { name: 'Log in with' })).toBeTruthy();
    expect(within(form).getByRole<HTMLInputElement>('radio', { name: 'A private key (kept in the keychain)' }).checked).toBe(true);
    expect(within(form).getByRole('radio', { name: 'The running SSH agent' })).toBeTruthy();
    expect(within(form).getByLabelText('Private key file').getAttribute('type')).toBe('file');
    expect(within(form).getByRole('textbox', { name: 'Or paste the private key' })).toBeTruthy();
    expect(within(form).getByRole<HTMLInputElement>('radio', { name: 'A known_hosts file' }).checked).toBe(true);
    expect(within(form).getByRole('textbox', { name: 'known_hosts file' })).toBeTruthy();
    await userEvent.click(within(form).getByRole('radio', { name: 'A pinned fingerprint' }));
    expect(within(form).getByRole('textbox', { name: 'Host key fingerprint' })).toBeTruthy();
    await userEvent.click(within(form).getByRole('radio', { name: 'The running SSH agent' }));
    expect(within(form).queryByLabelText('Private key file')).toBeNull();
  }, 30_000);

  it('says what is missing before sending anything', async () => {
    const c = connectFake({ 'connection.test': () => REPORT, 'targets.save': (req) => saved(req) });
    disconnect = c.disconnect;
    render(<TargetForm defaultStorageUrl="file:///b" />);
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'prod');
    await userEvent.type(screen.getByRole('textbox', { name: 'Database URL' }), 'postgresql://app@localhost:5432/shop');
    await userEvent.click(screen.getByRole('checkbox', { name: 'Reach through SSH' }));
    await userEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Enter the SSH server as user@host or user@host:port, or untick “Reach through SSH”.');
    await userEvent.type(screen.getByRole('textbox', { name: 'SSH server' }), 'deploy@bastion.example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Save database' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Choose the private key file that logs in to the SSH server');
    await userEvent.click(screen.getByRole('radio', { name: 'A pinned fingerprint' }));
    await userEvent.click(screen.getByRole('radio', { name: 'The running SSH agent' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save database' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Enter the host key fingerprint (SHA256:…)');
    expect(c.bridge.calls.filter((x) => x.name === 'connection.test' || x.name === 'targets.save')).toEqual([]);
  }, 30_000);

  it('sends a chosen key file once, when saving, and lets go of it afterwards', async () => {
    const c = connectFake({ 'targets.save': (req) => ({ ...saved(req), ssh: { destination: 'deploy@bastion.example.com', login: 'key', knownHostsFile: '/etc/ssh/team_known_hosts', hostKeyFingerprint: null } }) });
    disconnect = c.disconnect;
    const { container } = render(<TargetForm defaultStorageUrl="file:///b" />);
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'prod');
    await userEvent.type(screen.getByRole('textbox', { name: 'Database URL' }), 'postgresql://app@localhost:5432/shop');
    await userEvent.click(screen.getByRole('checkbox', { name: 'Reach through SSH' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'SSH server' }), 'deploy@bastion.example.com');
    await userEvent.upload(screen.getByLabelText('Private key file'), new File([KEY], 'id_ed25519', { type: 'application/octet-stream' }));
    expect(await screen.findByText('id_ed25519 chosen: saved into the keychain, never shown again.')).toBeTruthy();
    // A chosen file is not displayed: the paste box stays empty.
    expect(screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Or paste the private key' }).value).toBe('');
    await userEvent.type(screen.getByRole('textbox', { name: 'known_hosts file' }), '/etc/ssh/team_known_hosts');
    await userEvent.click(screen.getByRole('button', { name: 'Save database' }));
    await screen.findByText('A private key is saved in the keychain (not shown); choose another to replace it.');
    expect(c.bridge.calls.find((x) => x.name === 'targets.save')?.request).toMatchObject({
      name: 'prod',
      ssh: { destination: 'deploy@bastion.example.com', privateKey: KEY, privateKeyName: 'id_ed25519', hostCheck: { kind: 'known-hosts', file: '/etc/ssh/team_known_hosts' } },
    });
    expect(container.innerHTML).not.toContain('b3BlbnNzaC1rZXktdjEA');
  }, 30_000);

  it('shows a saved route without its key, keeps it when other fields change, and removes it only when unticked', async () => {
    const c = connectFake({ 'targets.save': (req) => ({ ...SAVED_SSH, storageUrl: req.storageUrl }) });
    disconnect = c.disconnect;
    const { container } = render(<TargetForm existing={SAVED_SSH} defaultStorageUrl="file:///b" />);
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: 'Reach through SSH' }).checked).toBe(true);
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'SSH server' }).value).toBe('deploy@bastion.example.com:2222');
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Host key fingerprint' }).value).toBe(FINGERPRINT);
    expect(screen.getByText('A private key is saved in the keychain (not shown); choose another to replace it.')).toBeTruthy();
    expect(screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Or paste the private key' }).value).toBe('');
    expect(container.innerHTML).not.toContain('b3BlbnNzaC1rZXktdjEA');

    const storage = screen.getByRole('textbox', { name: 'Storage URL' });
    await userEvent.clear(storage);
    await userEvent.type(storage, 'file:///mnt/backups');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(c.bridge.calls.filter((x) => x.name === 'targets.save')).toHaveLength(1));
    const first = c.bridge.calls.filter((x) => x.name === 'targets.save')[0]?.request as Record<string, unknown>;
    expect(first).toMatchObject({ id: 't1', storageUrl: 'file:///mnt/backups' });
    expect('ssh' in first).toBe(false);

    await userEvent.click(screen.getByRole('checkbox', { name: 'Reach through SSH' }));
    expect(screen.getByText(/Saving removes the saved SSH settings\./)).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(c.bridge.calls.filter((x) => x.name === 'targets.save')).toHaveLength(2));
    expect(c.bridge.calls.filter((x) => x.name === 'targets.save')[1]?.request).toMatchObject({ ssh: null });
  }, 30_000);

  it('tests through the route on the form, and offers to pin an unknown host key only on request', async () => {
    const refused = {
      code: 'SSH_HOST_KEY_REFUSED',
      message: `The SSH server deploy@bastion.example.com:2222 is not in /root/.ssh/known_hosts and offered the ssh-ed25519 key ${FINGERPRINT}; nothing was sent: compare it…`,
      hint: { kind: 'trust-host-key' as const, fingerprint: FINGERPRINT },
    };
    const c = connectFake({ 'connection.test': (req) => (req.ssh?.hostCheck.kind === 'fingerprint' ? REPORT : { error: refused }) });
    disconnect = c.disconnect;
    render(<TargetForm existing={{ ...SAVED_SSH, ssh: { ...SAVED_SSH.ssh!, hostKeyFingerprint: null } }} defaultStorageUrl="file:///b" />);
    await userEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect((await screen.findByRole('alert')).textContent).toContain(`offered the ssh-ed25519 key ${FINGERPRINT}`);
    expect(c.bridge.calls.find((x) => x.name === 'connection.test')?.request).toEqual({
      dbUrl: 'postgresql://app@localhost:5432/shop',
      targetId: 't1',
      ssh: { destination: 'deploy@bastion.example.com:2222', hostCheck: { kind: 'known-hosts', file: null } },
    });
    // Nothing is trusted by itself: the fingerprint field only fills when the user asks.
    expect(screen.queryByRole('textbox', { name: 'Host key fingerprint' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: `Pin ${FINGERPRINT}` }));
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Host key fingerprint' }).value).toBe(FINGERPRINT);
    expect(screen.queryByRole('button', { name: `Pin ${FINGERPRINT}` })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByRole('status', { name: 'Connection test result' })).toBeTruthy();
    expect(c.bridge.calls.filter((x) => x.name === 'connection.test').at(-1)?.request).toMatchObject({ ssh: { hostCheck: { kind: 'fingerprint', fingerprint: FINGERPRINT } } });
    expect(c.bridge.calls.filter((x) => x.name === 'targets.save')).toEqual([]);
  }, 30_000);
});
