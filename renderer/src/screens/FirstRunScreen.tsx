import { useState } from 'react';
import type { TargetView } from '../../../shared/ipc-contract.js';
import { TargetForm } from '../components/TargetForm.js';
import { useAppInfo } from '../stores/app-info-store.js';
import { useNav } from '../stores/nav-store.js';
import { useTargets } from '../stores/targets-store.js';
import { BackupNowScreen } from './BackupNowScreen.js';

/** A new user's path: add a database and its storage, test both, take a first backup. */
export function FirstRunScreen() {
  const defaultStorageUrl = useAppInfo((s) => s.info?.defaultStorageUrl ?? '');
  const [target, setTarget] = useState<TargetView | null>(null);
  const finish = () => {
    if (target) useTargets.getState().select(target.id);
    useNav.getState().setFirstRun(false);
    useNav.getState().go('calendar');
  };
  return (
    <main className="first-run">
      <h1>Welcome to Lifeboat</h1>
      <p>Lifeboat backs up PostgreSQL to S3-compatible storage or a local folder, and restores it. Three steps to your first backup:</p>
      <ol className="steps">
        <li aria-current={target ? undefined : 'step'}>Add a database and where its backups go</li>
        <li>Test both</li>
        <li aria-current={target ? 'step' : undefined}>Take a first backup</li>
      </ol>
      {target ? (
        <>
          <BackupNowScreen target={target} />
          <button type="button" onClick={finish}>
            Go to the calendar
          </button>
        </>
      ) : (
        <TargetForm defaultStorageUrl={defaultStorageUrl} onSaved={setTarget} />
      )}
    </main>
  );
}
