import { HardDrive, History, ListChecks } from 'lucide-react';
import { useShallow } from 'zustand/react/shallow';
import type { TargetView } from '../../../../shared/ipc-contract.js';
import { formatDateTimeUtc } from '../../lib/format.js';
import { useNow } from '../../lib/use-now.js';
import { useBackups } from '../../stores/backups-store.js';
import { runningJobs, useJobs } from '../../stores/jobs-store.js';
import { ago, dbStatus } from './db-status.js';
import { SHORTCUTS, shortcutLabel } from './shortcuts.js';
import { StatusIcon } from './StatusIcon.js';

/** The chosen database: its status, where its backups go, when the last one was taken; and the jobs tray's button. */
export function AppHeader({ target, trayOpen, onToggleTray }: { target: TargetView; trayOpen: boolean; onToggleTray: () => void }) {
  const listing = useBackups((s) => s.byTarget[target.id]);
  // What the header shows of the jobs, compared by value: progress ticks do not re-render it.
  const st = useJobs(useShallow((s) => dbStatus(target.id, s.jobs, listing)));
  const running = useJobs((s) => runningJobs(s.jobs).length);
  const now = useNow(true, 60_000);
  return (
    <header className="app-header" aria-label="Chosen database">
      <p className="db-title">
        <StatusIcon status={st.status} size={16} />
        <span>{target.name}</span>
        <span className={`badge ${st.status === 'ok' ? 'ok' : st.status === 'failing' ? 'danger' : st.status === 'running' ? 'running' : ''}`}>{st.text}</span>
      </p>
      <dl className="header-facts">
        <div>
          <dt>
            <HardDrive size={13} aria-hidden="true" />
            <span className="sr-only">Storage</span>
          </dt>
          <dd title={listing?.storage ?? target.storageUrl}>{listing?.storage ?? target.storageUrl}</dd>
        </div>
        <div>
          <dt>
            <History size={13} aria-hidden="true" />
            <span className="sr-only">Last backup</span>
          </dt>
          <dd>{st.lastBackupAt ? `${formatDateTimeUtc(st.lastBackupAt)} (${ago(st.lastBackupAt, now)})` : st.status === 'unknown' ? 'not listed yet' : 'none yet'}</dd>
        </div>
      </dl>
      <div className="header-actions">
        <button type="button" className={running > 0 ? '' : 'quiet'} aria-expanded={trayOpen} aria-controls="jobs-tray" aria-keyshortcuts={SHORTCUTS.jobs.aria} title={`Running jobs (${shortcutLabel(SHORTCUTS.jobs)})`} onClick={onToggleTray}>
          <ListChecks size={14} aria-hidden="true" />
          Jobs
          <span className={`badge${running > 0 ? ' running' : ''}`}>{running} running</span>
        </button>
      </div>
    </header>
  );
}
