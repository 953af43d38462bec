import type { MenuItemConstructorOptions } from 'electron';
import type { TargetView } from '../../shared/ipc-contract.js';

export interface TrayActions {
  open(): void;
  backupNow(targetId: string): void;
  quit(): void;
}

/**
 * The tray menu as plain data (unit-testable without Electron): jobs keep running with the
 * window closed, so the tray is where a DBA opens the app, starts a backup, or really quits.
 */
export function trayMenuTemplate(targets: readonly TargetView[], runningJobs: number, actions: TrayActions): MenuItemConstructorOptions[] {
  const backups: MenuItemConstructorOptions[] =
    targets.length === 0
      ? [{ label: 'No databases yet: open Lifeboat to add one', enabled: false }]
      : targets.map((t) => ({ label: `Backup now: ${t.name}`, click: () => actions.backupNow(t.id) }));
  return [
    { label: 'Open Lifeboat', click: () => actions.open() },
    { type: 'separator' },
    ...backups,
    { type: 'separator' },
    ...(runningJobs > 0 ? [{ label: `${runningJobs} job${runningJobs === 1 ? '' : 's'} running`, enabled: false }] : []),
    { label: runningJobs > 0 ? 'Quit (cancels running jobs)' : 'Quit Lifeboat', click: () => actions.quit() },
  ];
}
