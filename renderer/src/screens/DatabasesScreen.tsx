import { useState } from 'react';
import { useAction } from '../api/use-action.js';
import { ErrorText } from '../components/ErrorText.js';
import { TargetForm } from '../components/TargetForm.js';
import { useAppInfo } from '../stores/app-info-store.js';
import { useTargets } from '../stores/targets-store.js';

/** Add, edit and remove databases and where their backups go. */
export function DatabasesScreen() {
  const targets = useTargets((s) => s.targets);
  const remove = useTargets((s) => s.remove);
  const defaultStorageUrl = useAppInfo((s) => s.info?.defaultStorageUrl ?? '');
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const action = useAction();

  return (
    <section aria-labelledby="databases-title">
      <h2 id="databases-title">Databases</h2>
      <ErrorText message={action.error} />
      <ul className="plain targets">
        {targets.map((t) =>
          editing === t.id ? (
            <li key={t.id}>
              <TargetForm existing={t} defaultStorageUrl={defaultStorageUrl} onSaved={() => setEditing(null)} onCancel={() => setEditing(null)} />
            </li>
          ) : (
            <li key={t.id} aria-label={t.name}>
              <h3>{t.name}</h3>
              <p>
                <code>{t.dbUrl}</code> → <code>{t.storageUrl}</code>
                {t.hasPassword ? ' · password in the keychain' : ''}
              </p>
              <div className="row">
                <button type="button" onClick={() => setEditing(t.id)} aria-label={`Edit ${t.name}`}>
                  Edit
                </button>
                {confirming === t.id ? (
                  <>
                    <span>Remove {t.name} from Lifeboat? Its backups stay in storage.</span>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        setConfirming(null);
                        void action.run(() => remove(t.id));
                      }}
                    >
                      Yes, remove {t.name}
                    </button>
                    <button type="button" onClick={() => setConfirming(null)}>
                      Keep it
                    </button>
                  </>
                ) : (
                  <button type="button" onClick={() => setConfirming(t.id)} aria-label={`Remove ${t.name}`}>
                    Remove
                  </button>
                )}
              </div>
            </li>
          ),
        )}
      </ul>
      {editing === 'new' ? (
        <TargetForm defaultStorageUrl={defaultStorageUrl} onSaved={() => setEditing(null)} onCancel={() => setEditing(null)} />
      ) : (
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          Add a database
        </button>
      )}
    </section>
  );
}
