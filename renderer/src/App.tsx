import { useEffect } from 'react';
import { ActivityScreen } from './screens/ActivityScreen.js';
import { BackupNowScreen } from './screens/BackupNowScreen.js';
import { CalendarScreen } from './screens/CalendarScreen.js';
import { DatabasesScreen } from './screens/DatabasesScreen.js';
import { ExtractScreen } from './screens/ExtractScreen.js';
import { FirstRunScreen } from './screens/FirstRunScreen.js';
import { LogReportScreen } from './screens/LogReportScreen.js';
import { ScheduleScreen } from './screens/ScheduleScreen.js';
import { RestoreScreen } from './screens/RestoreScreen.js';
import { runningJobs, useJobs } from './stores/jobs-store.js';
import { chosenKeyFor, useNav, type Screen } from './stores/nav-store.js';
import { selectedTarget, useTargets } from './stores/targets-store.js';

const NAV: { screen: Screen; label: string }[] = [
  { screen: 'calendar', label: 'Calendar' },
  { screen: 'backup-now', label: 'Backup now' },
  { screen: 'restore', label: 'Restore' },
  { screen: 'extract', label: 'Partial recovery' },
  { screen: 'activity', label: 'Activity' },
  { screen: 'schedule', label: 'Schedule' },
  { screen: 'log', label: 'Log & report' },
  { screen: 'databases', label: 'Databases' },
];

export function App() {
  const { loaded, targets, error } = useTargets();
  const target = useTargets(selectedTarget);
  const select = useTargets((s) => s.select);
  const { screen, go, firstRun, setFirstRun } = useNav();
  const chosenKey = useNav((s) => (target ? chosenKeyFor(s, target.id) : null));
  const running = useJobs((s) => runningJobs(s.jobs).length);

  useEffect(() => {
    if (loaded && targets.length === 0) setFirstRun(true);
  }, [loaded, targets.length, setFirstRun]);

  if (!loaded) return <p role="status">Loading Lifeboat…</p>;
  if (error && targets.length === 0) {
    return (
      <main>
        <h1>Lifeboat</h1>
        <p role="alert" className="error">
          {error}
        </p>
      </main>
    );
  }
  if (firstRun || !target) return <FirstRunScreen />;

  return (
    <div className="app">
      <header className="app-header">
        <h1>Lifeboat</h1>
        <label htmlFor="target-picker">Database</label>
        <select id="target-picker" value={target.id} onChange={(e) => select(e.target.value)}>
          {targets.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        <nav aria-label="Main">
          {NAV.map((n) => (
            <button key={n.screen} type="button" aria-current={screen === n.screen ? 'page' : undefined} onClick={() => go(n.screen)}>
              {n.label}
              {n.screen === 'activity' && running > 0 ? ` (${running} running)` : ''}
            </button>
          ))}
        </nav>
      </header>
      <main>
        {screen === 'calendar' && <CalendarScreen target={target} />}
        {screen === 'backup-now' && <BackupNowScreen target={target} />}
        {screen === 'restore' && <RestoreScreen key={`${target.id}:${chosenKey ?? ''}`} target={target} />}
        {screen === 'extract' && <ExtractScreen key={`${target.id}:${chosenKey ?? ''}`} target={target} />}
        {screen === 'activity' && <ActivityScreen />}
        {screen === 'databases' && <DatabasesScreen />}
        {screen === 'schedule' && <ScheduleScreen target={target} />}
        {screen === 'log' && <LogReportScreen targets={targets} />}
      </main>
    </div>
  );
}
