import { useId } from 'react';

/**
 * The schedule's recovery-time target for its drills (deep verifications), typed as people say
 * it: "15m", "1h30m"; empty for none. The screen checks it with parseRtoTarget before saving.
 */
export function RtoField({ value, onChange, deep }: { value: string; onChange: (v: string) => void; deep: boolean }) {
  const help = useId();
  return (
    <fieldset>
      <legend>Restore drills</legend>
      <label>
        Recovery-time target <input value={value} placeholder="e.g. 15m" aria-describedby={help} onChange={(e) => onChange(e.target.value)} size={8} />
      </label>
      <p className="muted" id={help}>
        {deep
          ? 'Each deep verification restores the newest backup and times it; one slower than this target is a warning (logged, reported, notified). Empty: no target.'
          : 'Drills run when the schedule\'s verification is deep (a restore into a temporary database on a server); until then this target is kept but nothing is timed.'}
      </p>
    </fieldset>
  );
}
