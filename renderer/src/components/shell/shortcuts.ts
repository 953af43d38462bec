import { useEffect, useRef } from 'react';

/** One keyboard shortcut: `key` with Ctrl (⌘ on macOS) unless `plain`. */
export interface Shortcut {
  key: string;
  plain?: boolean;
  /** The aria-keyshortcuts value. */
  aria: string;
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

function withMod(key: string): Shortcut {
  return { key, aria: `${isMac ? 'Meta' : 'Control'}+${key.toUpperCase()}` };
}

/** The app's shortcuts, in one place so tooltips, the help dialog and the bindings agree. */
export const SHORTCUTS = {
  backupNow: withMod('b'),
  calendar: withMod('1'),
  restore: withMod('2'),
  extract: withMod('3'),
  schedule: withMod('4'),
  activity: withMod('5'),
  log: withMod('6'),
  browse: withMod('7'),
  databases: withMod(','),
  jobs: withMod('j'),
  help: { key: '?', plain: true, aria: 'Shift+?' },
} satisfies Record<string, Shortcut>;

export type ShortcutId = keyof typeof SHORTCUTS;

/** "Ctrl+B", "⌘B", "?": how the shortcut is written in tooltips and the help dialog. */
export function shortcutLabel(s: Shortcut): string {
  if (s.plain) return s.key;
  return isMac ? `⌘${s.key.toUpperCase()}` : `Ctrl+${s.key.toUpperCase()}`;
}

function matches(s: Shortcut, e: KeyboardEvent): boolean {
  if (e.key.toLowerCase() !== s.key) return false;
  if (s.plain) {
    // A plain key never fires while typing.
    const t = e.target as HTMLElement | null;
    const typing = !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
    return !typing && !e.ctrlKey && !e.metaKey && !e.altKey;
  }
  return (isMac ? e.metaKey : e.ctrlKey) && !e.altKey && !e.shiftKey;
}

/** Binds the shell's shortcuts on the window while mounted. */
export function useShortcuts(handlers: Partial<Record<ShortcutId, () => void>>): void {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      for (const [id, s] of Object.entries(SHORTCUTS) as [ShortcutId, Shortcut][]) {
        const run = current.current[id];
        if (run && matches(s, e)) {
          e.preventDefault();
          run();
          return;
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
