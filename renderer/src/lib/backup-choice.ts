import type { RestoreSourceInput } from '../../../shared/ipc-contract.js';

/** Which backup a form has chosen: the latest, a key, or (restore only) a dump file on disk. */
export interface BackupChoiceState {
  kind: 'latest' | 'key' | 'file';
  key: string;
  /** With kind "file": the dump file's full path. */
  path?: string;
}

/** For calls that read backups in storage only (extract): "file" is never offered there. */
export function toBackupChoice(v: BackupChoiceState): { kind: 'latest' } | { kind: 'key'; key: string } {
  return v.kind === 'key' ? { kind: 'key', key: v.key } : { kind: 'latest' };
}

export function toRestoreSource(v: BackupChoiceState): RestoreSourceInput {
  return v.kind === 'file' ? { kind: 'file', path: v.path ?? '' } : toBackupChoice(v);
}
