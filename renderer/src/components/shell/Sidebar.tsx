import { Activity, CalendarDays, Database, FileText, FolderSearch, Keyboard, LifeBuoy, Play, Plus, RotateCcw, Settings, TableProperties, Timer, type LucideIcon } from 'lucide-react';
import { useShallow } from 'zustand/react/shallow';
import type { TargetView } from '../../../../shared/ipc-contract.js';
import { useBackups } from '../../stores/backups-store.js';
import { runningJobs, useJobs } from '../../stores/jobs-store.js';
import { useNav, type Screen } from '../../stores/nav-store.js';
import { useTargets } from '../../stores/targets-store.js';
import { dbStatus } from './db-status.js';
import { SHORTCUTS, shortcutLabel, type ShortcutId } from './shortcuts.js';
import { StatusIcon } from './StatusIcon.js';
import { ThemeToggle } from './ThemeToggle.js';

/** The sections, mapped onto the screens (Settings is where databases are added and edited). */
export const SECTIONS: { screen: Screen; label: string; icon: LucideIcon; shortcut: ShortcutId }[] = [
  { screen: 'backup-now', label: 'Backup now', icon: Play, shortcut: 'backupNow' },
  { screen: 'calendar', label: 'Calendar', icon: CalendarDays, shortcut: 'calendar' },
  { screen: 'browse', label: 'Browse', icon: FolderSearch, shortcut: 'browse' },
  { screen: 'restore', label: 'Restore', icon: RotateCcw, shortcut: 'restore' },
  { screen: 'extract', label: 'Partial recovery', icon: TableProperties, shortcut: 'extract' },
  { screen: 'schedule', label: 'Schedules', icon: Timer, shortcut: 'schedule' },
  { screen: 'activity', label: 'Activity', icon: Activity, shortcut: 'activity' },
  { screen: 'log', label: 'Reports', icon: FileText, shortcut: 'log' },
  { screen: 'databases', label: 'Settings', icon: Settings, shortcut: 'databases' },
];

function DatabaseItem({ target, selected, onSelect }: { target: TargetView; selected: boolean; onSelect: () => void }) {
  const listing = useBackups((s) => s.byTarget[target.id]);
  // Compared field by field: a progress tick leaves the status as it was, so the item does not re-render.
  const st = useJobs(useShallow((s) => dbStatus(target.id, s.jobs, listing)));
  return (
    <li>
      <button type="button" className="db-item" aria-current={selected ? 'true' : undefined} aria-label={`${target.name}, ${st.text}`} title={`${target.name}: ${st.text}`} onClick={onSelect}>
        <StatusIcon status={st.status} />
        <span className="nav-label">{target.name}</span>
      </button>
    </li>
  );
}

/** Databases with their status, the sections, the theme switch and the shortcuts' help. */
export function Sidebar({ onHelp }: { onHelp: () => void }) {
  const targets = useTargets((s) => s.targets);
  const selectedId = useTargets((s) => s.selectedId);
  const select = useTargets((s) => s.select);
  const screen = useNav((s) => s.screen);
  const go = useNav((s) => s.go);
  const running = useJobs((s) => runningJobs(s.jobs).length);
  return (
    <aside className="sidebar">
      <div className="brand">
        <LifeBuoy size={20} aria-hidden="true" />
        <h1>Lifeboat</h1>
      </div>
      <div className="sidebar-heading">
        <span id="databases-nav-title">Databases</span>
        <button type="button" className="quiet icon-only small" aria-label="New database" title="Add a database (in Settings)" onClick={() => go('databases')}>
          <Plus size={14} aria-hidden="true" />
        </button>
      </div>
      <nav aria-labelledby="databases-nav-title">
        <ul>
          {targets.map((t) => (
            <DatabaseItem key={t.id} target={t} selected={t.id === selectedId} onSelect={() => select(t.id)} />
          ))}
        </ul>
      </nav>
      <div className="sidebar-heading" aria-hidden="true">
        <span>Sections</span>
      </div>
      <nav aria-label="Main">
        <ul>
          {SECTIONS.map(({ screen: s, label, icon: Icon, shortcut }) => (
            <li key={s}>
              <button type="button" aria-current={screen === s ? 'page' : undefined} aria-keyshortcuts={SHORTCUTS[shortcut].aria} title={`${label} (${shortcutLabel(SHORTCUTS[shortcut])})`} onClick={() => go(s)}>
                <Icon size={15} aria-hidden="true" />
                <span className="nav-label">{label}</span>
                {s === 'activity' && running > 0 && <span className="badge running nav-count">{running} running</span>}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sidebar-footer">
        <ThemeToggle />
        <button type="button" className="quiet small" onClick={onHelp} aria-keyshortcuts={SHORTCUTS.help.aria} title="Keyboard shortcuts (?)">
          <Keyboard size={14} aria-hidden="true" />
          Keyboard shortcuts
        </button>
        <p className="muted">
          <Database size={12} aria-hidden="true" /> {targets.length} database{targets.length === 1 ? '' : 's'}
        </p>
      </div>
    </aside>
  );
}
