import { LifeBuoy } from 'lucide-react';
import { useCallback, useEffect, useState } from 'react';
import { AppHeader } from './components/shell/AppHeader.js';
import { useJobToasts } from './components/shell/job-toasts.js';
import { JobsTray } from './components/shell/JobsTray.js';
import { useShortcuts } from './components/shell/shortcuts.js';
import { ShortcutsDialog } from './components/shell/ShortcutsDialog.js';
import { Sidebar } from './components/shell/Sidebar.js';
import { Toaster } from './components/shell/Toaster.js';
import { AppSkeleton } from './components/ui/Skeleton.js';
import { ActivityScreen } from './screens/ActivityScreen.js';
import { BackupNowScreen } from './screens/BackupNowScreen.js';
import { BrowseScreen } from './screens/BrowseScreen.js';
import { CalendarScreen } from './screens/CalendarScreen.js';
import { CompareScreen } from './screens/CompareScreen.js';
import { DatabasesScreen } from './screens/DatabasesScreen.js';
import { ExtractScreen } from './screens/ExtractScreen.js';
import { FirstRunScreen } from './screens/FirstRunScreen.js';
import { LogReportScreen } from './screens/LogReportScreen.js';
import { ScheduleScreen } from './screens/ScheduleScreen.js';
import { RestoreScreen } from './screens/RestoreScreen.js';
import { useBackups } from './stores/backups-store.js';
import { chosenKeyFor, useNav } from './stores/nav-store.js';
import { selectedTarget, useTargets } from './stores/targets-store.js';

/** The shell: sidebar (databases with status, sections), header (the chosen database), the screen, the jobs tray, toasts. */
export function App() {
  const { loaded, targets, error } = useTargets();
  const target = useTargets(selectedTarget);
  const { screen, go, firstRun, setFirstRun, chosenTable } = useNav();
  const chosenKey = useNav((s) => (target ? chosenKeyFor(s, target.id) : null));
  const [trayOpen, setTrayOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const closeTray = useCallback(() => setTrayOpen(false), []);
  useJobToasts();

  useEffect(() => {
    if (loaded && targets.length === 0) setFirstRun(true);
  }, [loaded, targets.length, setFirstRun]);

  // Every database's status dot needs its listing (the calendar would load the chosen one anyway).
  useEffect(() => {
    for (const t of targets) if (!useBackups.getState().byTarget[t.id]) void useBackups.getState().load(t.id);
  }, [targets]);

  useShortcuts({
    backupNow: () => go('backup-now'),
    calendar: () => go('calendar'),
    restore: () => go('restore'),
    extract: () => go('extract'),
    schedule: () => go('schedule'),
    activity: () => go('activity'),
    log: () => go('log'),
    browse: () => go('browse'),
    databases: () => go('databases'),
    jobs: () => setTrayOpen((o) => !o),
    help: () => setHelpOpen(true),
  });

  if (!loaded) return <AppSkeleton />;
  if (error && targets.length === 0) {
    return (
      <main className="first-run">
        <h1>
          <LifeBuoy size={24} aria-hidden="true" /> Lifeboat
        </h1>
        <p role="alert" className="error">
          {error}
        </p>
      </main>
    );
  }
  if (firstRun || !target) return <FirstRunScreen />;

  return (
    <div className="app">
      <Sidebar onHelp={() => setHelpOpen(true)} />
      <div className="workspace">
        <AppHeader target={target} trayOpen={trayOpen} onToggleTray={() => setTrayOpen((o) => !o)} />
        <main>
          {screen === 'calendar' && <CalendarScreen target={target} />}
          {screen === 'backup-now' && <BackupNowScreen target={target} />}
          {screen === 'restore' && <RestoreScreen key={`${target.id}:${chosenKey ?? ''}`} target={target} />}
          {screen === 'extract' && <ExtractScreen key={`${target.id}:${chosenKey ?? ''}:${chosenTable ?? ''}`} target={target} />}
          {screen === 'activity' && <ActivityScreen />}
          {screen === 'databases' && <DatabasesScreen />}
          {screen === 'schedule' && <ScheduleScreen target={target} />}
          {screen === 'log' && <LogReportScreen targets={targets} />}
          {screen === 'browse' && <BrowseScreen key={`${target.id}:${chosenKey ?? ''}`} target={target} />}
          {screen === 'compare' && <CompareScreen key={`${target.id}:${chosenKey ?? ''}`} target={target} />}
        </main>
      </div>
      {trayOpen && <JobsTray onClose={closeTray} />}
      {helpOpen && <ShortcutsDialog onClose={() => setHelpOpen(false)} />}
      <Toaster />
    </div>
  );
}
