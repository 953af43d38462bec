import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { client } from '../api/client.js';
import { useAction } from '../api/use-action.js';
import { useJobs, verifyStatus } from '../stores/jobs-store.js';
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
  const action = useAction();
  // One string per row, compared element by element: a progress tick of any job leaves them
  // equal, so the table re-renders only when a verification starts or ends.
  const verifying = useJobs(useShallow((s) => backups.map((b) => verifyStatus(s, b.key))));
  const verify = useJobs((s) => s.verify);
  const pin = (key: string, pinned: boolean) => action.run(() => client().call('backup.pin', { targetId, key, pinned }));
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
    {action.error && (
      <p role="alert" className="error">
        {action.error}
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
        {backups.map((b, i) => {
          const status = verifying[i] ?? '';
          const when = withDate ? formatDateTimeUtc(b.createdAt) : formatTimeUtc(b.createdAt);
          return (
            <tr key={b.key}>
              <th scope="row">{when}</th>
              <td>{formatBytes(b.sizeBytes)}</td>
              <td>{b.label ?? ''}</td>
              <td>{b.pinned ? 'Pinned' : ''}</td>
              <td>{b.hasManifest ? `${b.format === 'custom' ? 'custom archive' : 'plain SQL'}${b.encrypted ? ', encrypted' : ''}${copiesText(b)}` : 'none (written by another tool)'}</td>
              <td>
                {status === 'running'
                  ? 'verifying…'
                  : status.startsWith('failed:')
                    ? `failed: ${status.slice('failed:'.length)}`
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
                    disabled={status === 'running'}
                    onClick={() => void action.run(() => verify({ targetId, key: b.key }))}
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
