// The Electron shell, kept thin: it starts the engine in a utilityProcess (so the window, the tray
// and IPC never wait on hashing or compression), relays the contract's calls and events, and owns
// the tray and a hardened window. Everything it does is tested elsewhere without Electron.
import { app, BrowserWindow, Menu, nativeImage, Notification, powerMonitor, session, shell, Tray } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { JobView, TargetView } from '../../shared/ipc-contract.js';
import { EventHub } from '../app-service/event-sink.js';
import { RemoteService } from '../service-host/remote-service.js';
import { engineArgs } from '../service-host/service-messages.js';
import { utilityEngine } from './engine-host.js';
import { registerIpc } from './ipc-registration.js';
import { trayMenuTemplate } from './tray-menu.js';
import { CONTENT_SECURITY_POLICY, allowFrameNavigation, hardenedWebPreferences, isSafeExternalUrl } from './window-security.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.join(here, '..', '..', 'renderer', 'index.html');
const rendererPageUrl = pathToFileURL(rendererIndex).href;
const preload = path.join(here, '..', 'preload', 'preload.cjs');
const iconPath = path.join(app.getAppPath(), 'build', 'icon.png');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  const hub = new EventHub();
  // Scheduled backups that fail (and tests sent from settings) show as system notifications.
  const args = engineArgs({ shell: 'electron', notifications: true, loginItem: true });
  const service = new RemoteService({
    start: () => utilityEngine(args),
    emit: hub.emit,
    notify: (n) => new Notification({ title: n.title, body: n.text }).show(),
    // Started at login, the app opens to the tray only, so scheduled backups run in the background.
    loginItem: {
      get: () => app.getLoginItemSettings().openAtLogin,
      set: (openAtLogin) => app.setLoginItemSettings({ openAtLogin, openAsHidden: true, args: ['--hidden'] }),
    },
  });
  let mainWindow: BrowserWindow | null = null;
  let tray: Tray | null = null;
  let quitting = false;

  const showWindow = (): void => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.show();
      mainWindow.focus();
      return;
    }
    mainWindow = new BrowserWindow({ width: 1200, height: 800, title: 'Lifeboat', show: false, icon: iconPath, webPreferences: hardenedWebPreferences(preload, { packaged: app.isPackaged }) });
    mainWindow.once('ready-to-show', () => mainWindow?.show());
    mainWindow.on('closed', () => (mainWindow = null));
    void mainWindow.loadFile(rendererIndex);
  };

  const refreshTray = async (): Promise<void> => {
    if (!tray) return;
    const listed = await service.call('targets.list', {});
    const targets = listed.ok ? (listed.value as TargetView[]) : [];
    const template = trayMenuTemplate(targets, service.runningCount(), {
      open: showWindow,
      backupNow: (targetId) => {
        // How the backup ends is told by its job.finished event (a notification when it fails).
        void service.call('backup.start', { targetId }).then((started) => {
          if (!started.ok) new Notification({ title: 'Lifeboat: backup not started', body: started.error.message }).show();
        });
      },
      quit: () => {
        quitting = true;
        app.quit();
      },
    });
    tray.setContextMenu(Menu.buildFromTemplate(template));
  };

  // Failures of jobs started from the tray must reach the user even with no window open.
  hub.add((name, payload) => {
    if (name === 'targets.changed' || name === 'job.started' || name === 'job.finished') void refreshTray();
    if (name === 'job.finished' && !mainWindow) {
      const job = payload as JobView;
      if (job.state === 'failed') new Notification({ title: 'Lifeboat: backup failed', body: job.error?.message ?? job.title }).show();
    }
  });

  app.on('second-instance', showWindow);

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    // Covers every frame (iframes too), not only the main frame will-navigate sees.
    contents.on('will-frame-navigate', (e) => {
      if (!allowFrameNavigation(e.url)) e.preventDefault();
    });
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    });
    registerIpc((name, request) => service.call(name, request), hub, { current: () => mainWindow, pageUrl: rendererPageUrl });
    // After a sleep, scheduled runs that were missed are caught up at once (not at the next timer).
    powerMonitor.on('resume', () => service.wake());
    tray = new Tray(nativeImage.createFromPath(iconPath).resize({ width: 16, height: 16 }));
    tray.setToolTip('Lifeboat');
    tray.on('click', showWindow);
    void refreshTray();
    // Opened at login (macOS reports it, elsewhere our --hidden argument does): stay in the tray.
    const atLogin = app.getLoginItemSettings().wasOpenedAsHidden || process.argv.includes('--hidden');
    if (!atLogin) showWindow();
    app.on('activate', showWindow);
  });

  // Closing the window keeps the app (and its jobs) running in the tray; Quit ends them cleanly.
  app.on('window-all-closed', () => {
    if (quitting) app.quit();
  });

  let shutDown = false;
  app.on('before-quit', (e) => {
    quitting = true;
    if (shutDown) return;
    e.preventDefault();
    void service.shutdown().finally(() => {
      shutDown = true;
      app.quit();
    });
  });
}
