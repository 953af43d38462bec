import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The renderer shows backups of production databases; it gets no Node, no navigation away from
 * the app, no new windows and no permissions. Kept as plain data so a unit test can check it.
 */
export function hardenedWebPreferences(preloadPath: string, opts: { packaged: boolean }): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload: preloadPath,
    // A packaged app has no DevTools: they would let anyone at the keyboard call the engine directly.
    devTools: !opts.packaged,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    spellcheck: false,
  };
}

/** Served as a header and a meta tag: only the app's own scripts and styles, no remote anything. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Links the user clicks open in the system browser only when they are web links. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** What the IPC handler knows about who called: plain data, so the decision is unit-tested. */
export interface IpcSenderFacts {
  /** The caller's webContents is the one app window's (not a devtools, tray or other window). */
  fromAppWindow: boolean;
  /** The calling frame is that window's main frame (not an iframe, whatever its URL). */
  isMainFrame: boolean;
  /** The calling frame's URL; null when the frame is gone (navigated or destroyed). */
  url: string | null;
}

/** The page itself, ignoring only the fragment (the renderer's in-page routes). */
function samePage(url: string, appPageUrl: string): boolean {
  try {
    const a = new URL(url);
    const b = new URL(appPageUrl);
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname && a.search === b.search;
  } catch {
    return false;
  }
}

/**
 * IPC is accepted only from the main frame of the one app window showing the app's own page —
 * not from any file:// frame, an iframe, or a window that navigated elsewhere.
 */
export function acceptIpcFrom(sender: IpcSenderFacts, appPageUrl: string): boolean {
  return sender.fromAppWindow && sender.isMainFrame && sender.url !== null && samePage(sender.url, appPageUrl);
}

/**
 * The app is one page; every navigation of any frame (links, form posts, location changes,
 * redirects) is denied. Links open in the system browser through the window-open handler instead.
 */
export function allowFrameNavigation(_url: string): boolean {
  return false;
}

/** Electron fuses the packaged binary must have (electron-builder.yml's electronFuses). */
export const REQUIRED_FUSES = {
  // ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node that inherits its keychain access.
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  enableCookieEncryption: true,
} as const;
