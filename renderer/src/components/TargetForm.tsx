import { useCallback, useId, useState, type FormEvent } from 'react';
import type { ConnectionReport, StorageReport, TargetView } from '../../../shared/ipc-contract.js';
import { LifeboatClientError, client, errorMessage } from '../api/client.js';
import { useAction } from '../api/use-action.js';
import { formatBytes } from '../lib/format.js';
import { sshChangeOf, sshFormOf, sshInputOf, sshProblemOf } from '../lib/ssh-form.js';
import { useTargets } from '../stores/targets-store.js';
import { ErrorText } from './ErrorText.js';
import { SshFields } from './SshFields.js';

interface Props {
  existing?: TargetView | undefined;
  defaultStorageUrl: string;
  onSaved?: (t: TargetView) => void;
  onCancel?: () => void;
}

/**
 * A database and where its backups go, with both tests. The password field is write-only: what
 * was saved is never shown again (the engine keeps it; the UI can only replace or clear it).
 */
export function TargetForm({ existing, defaultStorageUrl, onSaved, onCancel }: Props) {
  const ids = useId();
  const save = useTargets((s) => s.save);
  const [name, setName] = useState(existing?.name ?? '');
  const [dbUrl, setDbUrl] = useState(existing?.dbUrl ?? '');
  const [password, setPassword] = useState('');
  const [storageUrl, setStorageUrl] = useState(existing?.storageUrl ?? '');
  const [copyUrls, setCopyUrls] = useState((existing?.copyUrls ?? []).join('\n'));
  const [s3KeyId, setS3KeyId] = useState('');
  const [s3Secret, setS3Secret] = useState('');
  // What is saved (never the key itself): the form sends only changes to it.
  const [savedSsh, setSavedSsh] = useState(existing?.ssh ?? null);
  const [ssh, setSsh] = useState(() => sshFormOf(existing?.ssh));
  // The host key an SSH server offered that nobody listed: the user may pin it, after comparing.
  const [offeredFingerprint, setOfferedFingerprint] = useState<string | null>(null);
  const isS3 = /^s3:\/\//i.test(storageUrl.trim());
  // Which of the three actions runs (its button says so; all three wait for it).
  const [running, setRunning] = useState<null | 'db' | 'storage' | 'save'>(null);
  const [dbReport, setDbReport] = useState<ConnectionReport | null>(null);
  const [storageReport, setStorageReport] = useState<StorageReport | null>(null);
  // A saved secret is only sent where it was saved for: after a change of server or endpoint the
  // engine answers PASSWORD_REQUIRED / S3_CREDENTIALS_REQUIRED and the form asks for it again.
  const [askFor, setAskFor] = useState<null | 'password' | 's3'>(null);
  const action = useAction(
    useCallback((e: unknown) => {
      const code = e instanceof LifeboatClientError ? e.code : null;
      const hint = e instanceof LifeboatClientError ? e.hint : null;
      if (hint?.kind === 'trust-host-key') setOfferedFingerprint(hint.fingerprint);
      if (code === 'PASSWORD_REQUIRED') {
        setAskFor('password');
        return 'This URL points to another server or user than the saved password was given for: type the password for it again.';
      }
      if (code === 'S3_CREDENTIALS_REQUIRED') {
        setAskFor('s3');
        return 'This storage uses another endpoint than the saved S3 keys were given for: type the S3 keys for it again.';
      }
      return errorMessage(e);
    }, []),
  );
  const busy = action.busy ? running : null;
  const { error, setError } = action;

  const run = async <T,>(what: 'db' | 'storage' | 'save', fn: () => Promise<T>): Promise<T | null> => {
    setRunning(what);
    return (await action.run(fn)) ?? null;
  };

  const testDb = async () => {
    setDbReport(null);
    setOfferedFingerprint(null);
    const problem = sshProblemOf(ssh, savedSsh);
    if (problem) {
      setError(problem);
      return;
    }
    // Through the SSH settings on the form, saved or not: the test connects as the jobs will.
    const r = await run('db', () => client().call('connection.test', { dbUrl, ...(password ? { password } : {}), ...(existing ? { targetId: existing.id } : {}), ssh: sshInputOf(ssh) }));
    if (r) setDbReport(r);
  };
  const testStorage = async () => {
    setStorageReport(null);
    // Keys typed but not saved yet are the ones to test.
    const typed = s3KeyId && s3Secret ? { s3Credentials: { accessKeyId: s3KeyId, secretAccessKey: s3Secret } } : {};
    const r = await run('storage', () => client().call('storage.test', { storageUrl, ...(existing ? { targetId: existing.id } : {}), ...typed }));
    if (r) setStorageReport(r);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if ((s3KeyId === '') !== (s3Secret === '')) {
      setError('Enter both the S3 access key id and its secret, or neither (to keep the saved ones or use the AWS environment).');
      return;
    }
    const sshProblem = sshProblemOf(ssh, savedSsh);
    if (sshProblem) {
      setError(sshProblem);
      return;
    }
    const s3Credentials = s3KeyId && s3Secret ? { s3Credentials: { accessKeyId: s3KeyId, secretAccessKey: s3Secret } } : {};
    const r = await run('save', () =>
      save({ ...(existing ? { id: existing.id } : {}), name, dbUrl, storageUrl, ...changedCopies(linesOf(copyUrls), existing?.copyUrls ?? []), ...(password ? { password } : {}), ...s3Credentials, ...sshChangeOf(ssh, savedSsh) }),
    );
    if (r) {
      // The key is in the keychain now: the form lets go of it.
      setSavedSsh(r.ssh ?? null);
      setSsh(sshFormOf(r.ssh));
      onSaved?.(r);
    }
  };

  return (
    <form className="target-form" aria-label={existing ? `Edit ${existing.name}` : 'Add a database'} onSubmit={(e) => void submit(e)}>
      <label htmlFor={`${ids}-name`}>Name</label>
      <input id={`${ids}-name`} value={name} onChange={(e) => setName(e.target.value)} placeholder="shop-production" required aria-describedby={`${ids}-name-help`} readOnly={existing !== undefined} />
      <p id={`${ids}-name-help`} className="help">
        The profile name, the same on the command line: letters, digits, dots, dashes and underscores.
      </p>

      <label htmlFor={`${ids}-db`}>Database URL</label>
      <input id={`${ids}-db`} value={dbUrl} onChange={(e) => setDbUrl(e.target.value)} placeholder="postgresql://user@host:5432/dbname" spellCheck={false} required />

      <label htmlFor={`${ids}-pw`}>Password</label>
      <input
        id={`${ids}-pw`}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => {
          setPassword(e.target.value);
          if (askFor === 'password') setAskFor(null);
        }}
        aria-invalid={askFor === 'password' ? true : undefined}
        placeholder={askFor === 'password' ? 'type the password for this server' : existing?.hasPassword ? 'saved; type to replace' : 'optional: ~/.pgpass and PGPASSWORD work too'}
        aria-describedby={`${ids}-pw-help`}
      />
      <p id={`${ids}-pw-help`} className="help">
        Never shown again once saved; it reaches pg_dump only through its environment.
      </p>
      <SshFields value={ssh} onChange={setSsh} saved={savedSsh} offeredFingerprint={offeredFingerprint} />
      <div className="row">
        <button type="button" onClick={() => void testDb()} disabled={busy !== null || dbUrl.trim() === ''}>
          {busy === 'db' ? 'Testing connection…' : 'Test connection'}
        </button>
      </div>
      {dbReport && (
        <div role="status" className="ok" aria-label="Connection test result">
          Connected to PostgreSQL {dbReport.serverVersion}, database “{dbReport.database}” ({formatBytes(dbReport.databaseSizeBytes)}).{' '}
          {dbReport.pgDump ? (
            <>
              Backups will use pg_dump {dbReport.pgDump.version} ({dbReport.pgDump.path}).
            </>
          ) : (
            <strong className="error">{dbReport.pgDumpProblem}</strong>
          )}
        </div>
      )}

      <label htmlFor={`${ids}-storage`}>Storage URL</label>
      <input
        id={`${ids}-storage`}
        value={storageUrl}
        onChange={(e) => setStorageUrl(e.target.value)}
        placeholder={defaultStorageUrl}
        spellCheck={false}
        aria-describedby={`${ids}-storage-help`}
      />
      <p id={`${ids}-storage-help`} className="help">
        s3://bucket[/prefix][?endpoint=https://…] or file:///folder. Empty: the local folder {defaultStorageUrl}.
      </p>
      <label htmlFor={`${ids}-copies`}>Also copy to…</label>
      <textarea id={`${ids}-copies`} value={copyUrls} onChange={(e) => setCopyUrls(e.target.value)} rows={2} spellCheck={false} aria-describedby={`${ids}-copies-help`} placeholder="s3://second-bucket?endpoint=https://… or file:///mnt/usb-disk" />
      <p id={`${ids}-copies-help`} className="help">
        One storage URL per line: each backup is copied there once complete, and checked. S3 keys for these come from the AWS environment variables, or from the keychain when they were stored for this database.
      </p>
      {isS3 && (
        <fieldset className="s3-keys">
          <legend>S3 keys (kept in the keychain)</legend>
          <label htmlFor={`${ids}-s3id`}>S3 access key id</label>
          <input id={`${ids}-s3id`} value={s3KeyId} onChange={(e) => setS3KeyId(e.target.value)} spellCheck={false} autoComplete="off" placeholder={existing?.hasS3Credentials ? 'saved; type to replace' : 'optional: the AWS environment and ~/.aws work too'} />
          <label htmlFor={`${ids}-s3secret`}>S3 secret access key</label>
          <input id={`${ids}-s3secret`} type="password" autoComplete="new-password" value={s3Secret} onChange={(e) => setS3Secret(e.target.value)} aria-invalid={askFor === 's3' ? true : undefined} placeholder={askFor === 's3' ? 'type the secret for this endpoint' : existing?.hasS3Credentials ? 'saved; type to replace' : ''} />
          <p className="help">Saved keys are used by test storage after saving; they are never shown again.</p>
        </fieldset>
      )}
      <div className="row">
        <button type="button" onClick={() => void testStorage()} disabled={busy !== null}>
          {busy === 'storage' ? 'Testing storage…' : 'Test storage'}
        </button>
      </div>
      {storageReport && (
        <div role="status" className="ok" aria-label="Storage test result">
          Storage ready: {storageReport.display} ({storageReport.backupCount} backup{storageReport.backupCount === 1 ? '' : 's'} found).
        </div>
      )}

      <ErrorText message={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy !== null}>
          {existing ? 'Save changes' : 'Save database'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

/** The non-empty lines of the "Also copy to…" field. */
function linesOf(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** Sent only when the list changed, so saving other fields never rewrites the copies. */
function changedCopies(next: string[], saved: string[]): { copyUrls?: string[] } {
  return next.join('\n') === saved.join('\n') ? {} : { copyUrls: next };
}
