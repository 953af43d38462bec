import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'lifeboat.theme';

function readChoice(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system'; // storage refused (privacy settings): follow the OS
  }
}

/** html[data-theme] overrides the OS's prefers-color-scheme (styles.css); no attribute follows the OS. */
function apply(choice: ThemeChoice): void {
  const root = globalThis.document?.documentElement;
  if (!root) return;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

interface ThemeState {
  choice: ThemeChoice;
  setChoice: (choice: ThemeChoice) => void;
}

/** The light/dark override, persisted in this browser profile (a view preference, not engine data). */
export const useTheme = create<ThemeState>()((set) => ({
  choice: readChoice(),
  setChoice(choice) {
    try {
      if (choice === 'system') globalThis.localStorage?.removeItem(STORAGE_KEY);
      else globalThis.localStorage?.setItem(STORAGE_KEY, choice);
    } catch {
      // Not persisted; it still applies for this session.
    }
    apply(choice);
    set({ choice });
  },
}));

/** Applies the persisted choice before the first paint (main.tsx), so a dark choice never flashes light. */
export function applyStoredTheme(): void {
  const choice = readChoice();
  apply(choice);
  useTheme.setState({ choice });
}
