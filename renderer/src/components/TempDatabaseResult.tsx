import { useState } from 'react';
import type { JobView } from '../../../shared/ipc-contract.js';
import { client } from '../api/client.js';
import { useAction } from '../api/use-action.js';
import { ErrorText } from './ErrorText.js';

/** A temporary database's URL with Copy, and Drop (it is Lifeboat's to drop, nobody else's). */
export function TempDatabaseResult({ job, targetId, onDropped }: { job: JobView; targetId: string; onDropped?: () => void }) {
  const [copied, setCopied] = useState(false);
  const [dropped, setDropped] = useState<boolean | null>(null);
  const action = useAction();
  if (!job.resultTemporary || !job.resultDatabase) return null;
  const name = job.resultDatabase;
  const drop = () =>
    action.run(async () => {
      await client().call('temp.drop', { targetId, name });
      setDropped(true);
      onDropped?.();
    });
  return (
    <section aria-label="Temporary database" className="temp-db">
      {job.resultUrl && (
        <p>
          <label htmlFor="temp-db-url">Temporary database URL</label>{' '}
          <input id="temp-db-url" readOnly value={job.resultUrl} onFocus={(e) => e.target.select()} />{' '}
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard.writeText(job.resultUrl ?? '').then(() => setCopied(true), () => setCopied(false));
            }}
          >
            {copied ? 'Copied' : 'Copy URL'}
          </button>
        </p>
      )}
      {dropped ? (
        <p role="status">Dropped the temporary database “{name}”.</p>
      ) : (
        <button type="button" className="danger" disabled={action.busy} onClick={() => void drop()}>
          Drop temporary database
        </button>
      )}
      <ErrorText message={action.error} />
    </section>
  );
}
