import type { BackupEntry } from '../../../shared/backup-entry.js';
import { formatDuration } from '../../../shared/duration.js';

/** A backup whose last verification was a passed restore drill (restored into a temporary database and timed). */
export function isDrilled(b: BackupEntry): boolean {
  return b.verification?.outcome === 'passed' && Boolean(b.verification.drill);
}

/**
 * The calendar's mark for drilled backups: a ⟲ glyph (a shape, not only a colour) with words for
 * screen readers. In a day cell it counts the day's drilled backups (the cell's own label says it
 * too); in a backup's row it gives the recovery time and whether it was over the target.
 */
export function DrillMarker(props: { count: number } | { drill: { recoveryMs: number; overTarget: boolean } }) {
  if ('count' in props) {
    return (
      <span className="badge drilled" title={`${props.count} restore-drilled`}>
        ⟲ {props.count}
      </span>
    );
  }
  const text = `restore drill: recovered in ${formatDuration(props.drill.recoveryMs)}${props.drill.overTarget ? ', over the recovery-time target' : ''}`;
  return (
    <span className={`drill-marker${props.drill.overTarget ? ' over-target' : ''}`} role="img" aria-label={text} title={text}>
      {' '}⟲{props.drill.overTarget ? '!' : ''}
    </span>
  );
}
