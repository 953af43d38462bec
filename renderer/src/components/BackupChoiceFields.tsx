import { useId, useRef } from 'react';
import { canLocateFiles, localFilePathOf } from '../api/local-file.js';
import type { BackupChoiceState } from '../lib/backup-choice.js';

export { toBackupChoice, toRestoreSource, type BackupChoiceState } from '../lib/backup-choice.js';

/**
 * Latest backup, or a specific one (chosen on the calendar or pasted); with `allowFile` (restore
 * only), also a dump file from disk: its path typed, or chosen with the system's file dialog in the
 * desktop app (a browser never tells where a file lies, so there the path is typed).
 */
export function BackupChoiceFields({ value, onChange, disabled = false, allowFile = false }: { value: BackupChoiceState; onChange: (v: BackupChoiceState) => void; disabled?: boolean; allowFile?: boolean }) {
  const ids = useId();
  const picker = useRef<HTMLInputElement>(null);
  const picked = (file: File | undefined) => {
    const path = file ? localFilePathOf(file) : null;
    if (path) onChange({ ...value, kind: 'file', path });
  };
  return (
    <fieldset disabled={disabled}>
      <legend>Which backup</legend>
      <label className="check">
        <input type="radio" name={`${ids}-backup`} checked={value.kind === 'latest'} onChange={() => onChange({ ...value, kind: 'latest' })} /> Latest backup
      </label>
      <label className="check">
        <input type="radio" name={`${ids}-backup`} checked={value.kind === 'key'} onChange={() => onChange({ ...value, kind: 'key' })} /> Specific backup
      </label>
      {allowFile && (
        <label className="check">
          <input type="radio" name={`${ids}-backup`} checked={value.kind === 'file'} onChange={() => onChange({ ...value, kind: 'file' })} /> A file from disk…
        </label>
      )}
      {value.kind === 'key' && (
        <>
          <label htmlFor={`${ids}-key`}>Backup key</label>
          <input id={`${ids}-key`} value={value.key} onChange={(e) => onChange({ ...value, key: e.target.value })} placeholder="database_backups/2026/11/25/shop_20261125_031012.dump" spellCheck={false} />
          <p className="help">Pick one on the calendar (its Restore… or Extract rows… button), or paste its key.</p>
        </>
      )}
      {value.kind === 'file' && (
        <>
          <label htmlFor={`${ids}-file`}>Dump file path</label>
          <input id={`${ids}-file`} value={value.path ?? ''} onChange={(e) => onChange({ ...value, path: e.target.value })} placeholder="/home/dba/Downloads/shop.dump" spellCheck={false} />
          {canLocateFiles() && (
            <>
              <input ref={picker} type="file" hidden aria-label="Dump file" onChange={(e) => picked(e.target.files?.[0])} />
              <button type="button" onClick={() => picker.current?.click()}>
                Choose a file…
              </button>
            </>
          )}
          <p className="help">
            A custom archive (.dump), plain SQL (.sql, .sql.gz) or a Lifeboat encrypted backup (.enc, its key in this keychain), on this computer; you can also drop it onto this screen. It is
            read where it lies and never changed.
          </p>
        </>
      )}
    </fieldset>
  );
}
