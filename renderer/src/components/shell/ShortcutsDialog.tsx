import { Dialog } from '../ui/Dialog.js';
import { SHORTCUTS, shortcutLabel, type ShortcutId } from './shortcuts.js';

const WORDS: Record<ShortcutId, string> = {
  backupNow: 'Back up the chosen database now',
  calendar: 'Calendar',
  restore: 'Restore',
  extract: 'Partial recovery',
  schedule: 'Schedules',
  activity: 'Activity',
  log: 'Reports',
  browse: 'Browse the backup chosen on the calendar',
  databases: 'Settings (databases)',
  jobs: 'Show or hide running jobs',
  help: 'This list',
};

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose} actions={<button type="button" className="primary" onClick={onClose}>Done</button>}>
      <dl className="shortcuts">
        {(Object.keys(SHORTCUTS) as ShortcutId[]).map((id) => (
          <div key={id} style={{ display: 'contents' }}>
            <dt>{WORDS[id]}</dt>
            <dd>
              <kbd>{shortcutLabel(SHORTCUTS[id])}</kbd>
            </dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
