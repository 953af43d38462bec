import { useId } from 'react';

export interface BackupChoiceState {
  kind: 'latest' | 'key';
  key: string;
}

/** Latest backup, or a specific one (chosen on the calendar or pasted). */
export function BackupChoiceFields({ value, onChange, disabled = false }: { value: BackupChoiceState; onChange: (v: BackupChoiceState) => void; disabled?: boolean }) {
  const ids = useId();
  return (
    <fieldset disabled={disabled}>
      <legend>Which backup</legend>
      <label className="check">
        <input type="radio" name={`${ids}-backup`} checked={value.kind === 'latest'} onChange={() => onChange({ ...value, kind: 'latest' })} /> Latest backup
      </label>
      <label className="check">
        <input type="radio" name={`${ids}-backup`} checked={value.kind === 'key'} onChange={() => onChange({ ...value, kind: 'key' })} /> Specific backup
      </label>
      {value.kind === 'key' && (
        <>
          <label htmlFor={`${ids}-key`}>Backup key</label>
          <input id={`${ids}-key`} value={value.key} onChange={(e) => onChange({ ...value, key: e.target.value })} placeholder="database_backups/2026/11/25/shop_20261125_031012.dump" spellCheck={false} />
          <p className="help">Pick one on the calendar (its Restore… or Extract rows… button), or paste its key.</p>
        </>
      )}
    </fieldset>
  );
}

export function toBackupChoice(v: BackupChoiceState): { kind: 'latest' } | { kind: 'key'; key: string } {
  return v.kind === 'latest' ? { kind: 'latest' } : { kind: 'key', key: v.key };
}
