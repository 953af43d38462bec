import { useState } from 'react';
import { client, errorMessage } from '../api/client.js';
import { useJobs } from '../stores/jobs-store.js';
import type { BackupEntry } from '../../../shared/backup-entry.js';
import { formatBytes, formatDateTimeUtc, formatTimeUtc } from '../lib/format.js';
import { useNav } from '../stores/nav-store.js';
import { DrillMarker } from './DrillMarker.js';

interface Props {
  caption: string;
  targetId: string;
  backups: readonly BackupEntry[];
  /** Show the date too (list view), not only the time (a day's list). */
  withDate?: boolean;
}

/** A list of backups with what a DBA checks first: when, how big, label, pinned, manifest. */
export function BackupTable({ caption, targetId, backups, withDate = false }: Props) {
  const [copied, setCopied] = useState<string | null>(null);
  const [verifyError, setVerifyError] = useState<string | null>(null);
  const jobs = useJobs((s) => s.jobs);
  const lastStarted = useJobs((s) => s.lastStarted);
  const verifyJob = (key: string) => {
    const id = lastStarted[`verify:${key}`];
    return id ? jobs[id] : undefined;
  };
  const pin = async (key: string, pinned: boolean) => {
    setVerifyError(null);
    try {
      await client().call('backup.pin', { targetId, key, pinned });
    } catch (e) {
      setVerifyError(errorMessage(e));
    }
  };
  const verify = async (key: string) => {
    setVerifyError(null);
    try {
      useJobs.getState().track(`verify:${key}`, await client().call('backup.verify', { targetId, key }));
    } catch (e) {
      setVerifyError(errorMessage(e));
    }
  };
  const copy = async (key: string) => {
    try {
      await navigator.clipboard.writeText(key);
      setCopied(key);
    } catch {
      setCopied(null);
    }
  };
  return (
    <>
    {verifyError && (
      <p role="alert" className="error">
        {verifyError}
      </p>
    )}
    <table className="backups">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{withDate ? 'Taken (UTC)' : 'Time'}</th>
          <th scope="col">Size</th>
          <th scope="col">Label</th>
          <th scope="col">Pinned</th>
          <th scope="col">Manifest</th>
          <th scope="col">Verified</th>
          <th scope="col">Key</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {backups.map((b) => {
          const when = withDate ? formatDateTimeUtc(b.createdAt) : formatTimeUtc(b.createdAt);
          return (
            <tr key={b.key}>
              <th scope="row">{when}</th>
              <td>{formatBytes(b.sizeBytes)}</td>
              <td>{b.label ?? ''}</td>
              <td>{b.pinned ? 'Pinned' : ''}</td>
              <td>{b.hasManifest ? `${b.format === 'custom' ? 'custom archive' : 'plain SQL'}${b.encrypted ? ', encrypted' : ''}${copiesText(b)}` : 'none (written by another tool)'}</td>
              <td>
                {verifyJob(b.key)?.state === 'running'
                  ? 'verifying…'
                  : verifyJob(b.key)?.state === 'failed'
                    ? `failed: ${verifyJob(b.key)?.error?.message ?? ''}`
                    : b.verification
                      ? b.verification.outcome === 'passed'
                        ? `passed ${b.verification.verifiedAt.slice(0, 10)}${b.verification.depth === 'deep' ? ' (deep)' : ''}`
                        : `failed: ${b.verification.problem ?? ''}`
                      : ''}
                {b.verification?.drill && b.verification.outcome === 'passed' && <DrillMarker drill={b.verification.drill} />}
              </td>
              <td>
                <code className="key">{b.key}</code>
              </td>
              <td>
                <div className="row">
                  <button type="button" aria-label={`Restore the backup taken ${formatDateTimeUtc(b.createdAt)}`} onClick={() => useNav.getState().openWith('restore', b.key, targetId)}>
                    Restore…
                  </button>
                  {b.hasManifest && (
                    <button type="button" aria-label={`${b.pinned ? 'Unpin' : 'Pin'} the backup taken ${formatDateTimeUtc(b.createdAt)}`} onClick={() => void pin(b.key, !b.pinned)}>
                      {b.pinned ? 'Unpin' : 'Pin'}
                    </button>
                  )}
                  <button
                    type="button"
                    aria-label={`Verify the backup taken ${formatDateTimeUtc(b.createdAt)}`}
                    disabled={verifyJob(b.key)?.state === 'running'}
                    onClick={() => void verify(b.key)}
                  >
                    Verify
                  </button>
                  <button type="button" aria-label={`Browse the backup taken ${formatDateTimeUtc(b.createdAt)}`} onClick={() => useNav.getState().openWith('browse', b.key, targetId)}>
                    Browse
                  </button>
                  <button type="button" aria-label={`Compare the backup taken ${formatDateTimeUtc(b.createdAt)}`} onClick={() => useNav.getState().openWith('compare', b.key, targetId)}>
                    Compare…
                  </button>
                  <button type="button" aria-label={`Extract rows from the backup taken ${formatDateTimeUtc(b.createdAt)}`} onClick={() => useNav.getState().openWith('extract', b.key, targetId)}>
                    Extract rows…
                  </button>
                  <button type="button" aria-label={`Copy key of the backup taken ${formatDateTimeUtc(b.createdAt)}`} onClick={() => void copy(b.key)}>
                    {copied === b.key ? 'Copied' : 'Copy key'}
                  </button>
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
    </>
  );
}

/** ", 2 copies" when the backup was copied elsewhere; "partly copied" when a copy failed. */
function copiesText(b: BackupEntry): string {
  const n = b.copies ?? 1;
  const partly = (b.copiesFailed?.length ?? 0) > 0 ? ' (partly copied)' : '';
  return n > 1 || partly ? `, ${n} ${n === 1 ? 'copy' : 'copies'}${partly}` : '';
}
