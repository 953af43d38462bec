import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetForm } from '../../renderer/src/components/TargetForm.js';
import { connectFake, TARGET } from './fake-bridge.js';

let disconnect = () => undefined as void;
afterEach(() => disconnect());

describe('a saved secret and a changed server', () => {
  it('asks for the password again when the engine says the saved one stays with its server', async () => {
    const c = connectFake({
      'connection.test': (req) =>
        req.password
          ? { serverVersion: '15.20', database: 'shop', databaseSizeBytes: 1, pgDump: null, pgDumpProblem: 'none' }
          : { error: { code: 'PASSWORD_REQUIRED', message: 'The stored password is only sent to app@db:5432, where it was saved for…' } },
    });
    disconnect = c.disconnect;
    render(<TargetForm existing={{ ...TARGET, hasPassword: true, hasS3Credentials: false }} defaultStorageUrl="file:///b" />);
    const url = screen.getByRole('textbox', { name: 'Database URL' });
    await userEvent.clear(url);
    await userEvent.type(url, 'postgresql://app@elsewhere:5432/shop');
    await userEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect((await screen.findByText(/type the password for it again/)).textContent).toContain('another server or user than the saved password was given for');
    const pw = screen.getByLabelText('Password');
    expect(pw.getAttribute('aria-invalid')).toBe('true');
    expect(pw.getAttribute('placeholder')).toBe('type the password for this server');
    await userEvent.type(pw, 'typed-again');
    await userEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByRole('status', { name: 'Connection test result' })).toBeTruthy();
    expect(c.bridge.calls.filter((x) => x.name === 'connection.test').at(-1)?.request).toMatchObject({ dbUrl: 'postgresql://app@elsewhere:5432/shop', password: 'typed-again', targetId: 't1' });
  }, 30_000);

  it('tests the storage with the S3 keys typed into the form, before the database is saved', async () => {
    const c = connectFake({ 'storage.test': () => ({ display: 's3://backups/database_backups', backupCount: 0 }) });
    disconnect = c.disconnect;
    render(<TargetForm defaultStorageUrl="file:///b" />);
    await userEvent.type(screen.getByRole('textbox', { name: 'Storage URL' }), 's3://backups?endpoint=http://127.0.0.1:9000');
    await userEvent.type(screen.getByRole('textbox', { name: 'S3 access key id' }), 'AKIATYPED');
    await userEvent.type(screen.getByLabelText('S3 secret access key'), 'typed-secret');
    await userEvent.click(screen.getByRole('button', { name: 'Test storage' }));
    expect(await screen.findByRole('status', { name: 'Storage test result' })).toBeTruthy();
    expect(c.bridge.calls.find((x) => x.name === 'storage.test')?.request).toEqual({
      storageUrl: 's3://backups?endpoint=http://127.0.0.1:9000',
      s3Credentials: { accessKeyId: 'AKIATYPED', secretAccessKey: 'typed-secret' },
    });
  }, 30_000);
});
