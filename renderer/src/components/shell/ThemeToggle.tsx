import { Monitor, Moon, Sun } from 'lucide-react';
import { useTheme, type ThemeChoice } from './theme-store.js';

const CHOICES: { choice: ThemeChoice; label: string; Icon: typeof Sun }[] = [
  { choice: 'system', label: 'Theme: follow the system', Icon: Monitor },
  { choice: 'light', label: 'Theme: light', Icon: Sun },
  { choice: 'dark', label: 'Theme: dark', Icon: Moon },
];

/** Follow the OS, or force light or dark; persisted. */
export function ThemeToggle() {
  const choice = useTheme((s) => s.choice);
  const setChoice = useTheme((s) => s.setChoice);
  return (
    <div className="segmented" role="group" aria-label="Theme">
      {CHOICES.map(({ choice: c, label, Icon }) => (
        <button key={c} type="button" aria-label={label} title={label} aria-pressed={choice === c} onClick={() => setChoice(c)}>
          <Icon size={14} aria-hidden="true" />
        </button>
      ))}
    </div>
  );
}
