import { useState } from 'react';
import type { BackupEntry } from '../../../shared/backup-entry.js';
import { formatBytes, formatDateTimeUtc, formatTimeUtc } from '../lib/format.js';

interface Props {
  caption: string;
  backups: readonly BackupEntry[];
  /** Show the date too (list view), not only the time (a day's list). */
  withDate?: boolean;
}

/** A list of backups with what a DBA checks first: when, how big, label, pinned, manifest. */
export function BackupTable({ caption, backups, withDate = false }: Props) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async (key: string) => {
    try {
      await navigator.clipboard.writeText(key);
      setCopied(key);
    } catch {
      setCopied(null);
    }
  };
  return (
    <table className="backups">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{withDate ? 'Taken (UTC)' : 'Time'}</th>
          <th scope="col">Size</th>
          <th scope="col">Label</th>
          <th scope="col">Pinned</th>
          <th scope="col">Manifest</th>
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
              <td>{b.hasManifest ? `${b.format === 'custom' ? 'custom archive' : 'plain SQL'}${b.encrypted ? ', encrypted' : ''}` : 'none (written by another tool)'}</td>
              <td>
                <code className="key">{b.key}</code>
              </td>
              <td>
                <button type="button" aria-label={`Copy key of the backup taken ${formatDateTimeUtc(b.createdAt)}`} onClick={() => void copy(b.key)}>
                  {copied === b.key ? 'Copied' : 'Copy key'}
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
