import type { LifeboatBridge } from '../../../shared/ipc-contract.js';
import { createHttpBridge } from './http-bridge.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser. */
    lifeboat?: LifeboatBridge;
  }
}

/** Inside Electron the preload's API; in a browser the harness's HTTP bridge (token from the URL). */
export function pickBridge(win: Window = window): LifeboatBridge | null {
  if (win.lifeboat) return win.lifeboat;
  const token = new URLSearchParams(win.location.search).get('token') ?? win.sessionStorage.getItem('lifeboat-token');
  if (!token) return null;
  // Keep the token for reloads, and out of the address bar (and of screenshots).
  win.sessionStorage.setItem('lifeboat-token', token);
  if (win.location.search.includes('token=')) win.history.replaceState(null, '', win.location.pathname);
  return createHttpBridge(token);
}
