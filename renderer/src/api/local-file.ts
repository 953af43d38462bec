import type { LifeboatBridge } from '../../../shared/ipc-contract.js';

function desktopBridge(): LifeboatBridge | undefined {
  return (window as unknown as { lifeboat?: LifeboatBridge }).lifeboat;
}

/** Whether this window can tell where a chosen or dropped file lies (the desktop app can; a browser cannot). */
export function canLocateFiles(): boolean {
  return typeof desktopBridge()?.localFilePath === 'function';
}

/** The full path of a File the user chose or dropped, or null when this window cannot know it. */
export function localFilePathOf(file: File): string | null {
  const p = desktopBridge()?.localFilePath?.(file) ?? '';
  return p === '' ? null : p;
}
