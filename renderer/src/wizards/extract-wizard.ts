// The partial-recovery wizard's state as a pure reducer over explicit steps (tested in
// test/unit/extract-wizard.test.ts). An action that does not fit the current step changes nothing:
// a table listing that answers after the backup was changed is ignored, and so is a second click.
import type { CallRequest, TableInBackup } from '../../../shared/ipc-contract.js';
import { toBackupChoice, type BackupChoiceState } from '../lib/backup-choice.js';

/**
 * choose: pick a backup · listing: extract.tables asked · pick: its tables listed, tick some ·
 * preparing: extract.prepare asked · prepared: the restore into a temporary database runs or has
 * ended (the jobs store has the job); once it is done, find rows (filter, preview, export, copy).
 */
export type ExtractStep = 'choose' | 'listing' | 'pick' | 'preparing' | 'prepared';

/** A table and filter whose rows were asked for with Preview (the rows themselves come from useCall). */
export interface RowsAsked {
  table: string;
  where: string;
}

export interface ExtractWizardState {
  step: ExtractStep;
  backup: BackupChoiceState;
  /** The backup's table of contents, from the pick step on. */
  tables: { key: string; tables: TableInBackup[] } | null;
  /** Quoted qualified names ("public"."orders" where needed), as the engine reads them back. */
  picked: string[];
  /** The find-rows form: the table chosen and the filter typed (not yet previewed). */
  table: string;
  where: string;
  /** What Preview last asked for; Export and Copy act on exactly this. */
  asked: RowsAsked | null;
  error: string | null;
}

export type ExtractWizardAction =
  | { type: 'backup-changed'; backup: BackupChoiceState }
  | { type: 'tables-asked' }
  /** `preselect`: a table chosen while browsing the backup, picked at once if the backup has it. */
  | { type: 'tables-answered'; tables: { key: string; tables: TableInBackup[] }; preselect: string | null }
  | { type: 'tables-failed'; error: string }
  | { type: 'table-toggled'; table: string; picked: boolean }
  | { type: 'prepare-asked' }
  | { type: 'prepare-failed'; error: string }
  | { type: 'prepared' }
  | { type: 'table-chosen'; table: string }
  | { type: 'filter-typed'; where: string }
  | { type: 'preview-asked' }
  /** The temporary database was dropped: no rows to show or act on any more. */
  | { type: 'temp-dropped' }
  | { type: 'start-over' };

export function initialExtractWizard(chosenKey: string | null, jobShown: boolean): ExtractWizardState {
  return { step: jobShown ? 'prepared' : 'choose', backup: { kind: chosenKey ? 'key' : 'latest', key: chosenKey ?? '' }, tables: null, picked: [], table: '', where: '', asked: null, error: null };
}

/** Whether the rows on screen are no longer those of the form (the table or filter was edited since Preview). */
export function isStale(s: ExtractWizardState): boolean {
  return s.asked !== null && (s.asked.table !== s.table || s.asked.where !== s.where);
}

export function extractWizard(s: ExtractWizardState, a: ExtractWizardAction): ExtractWizardState {
  switch (a.type) {
    case 'backup-changed':
      // Another backup: its tables are listed again.
      return s.step === 'choose' || s.step === 'pick' ? { ...s, step: 'choose', backup: a.backup, tables: null, picked: [] } : s;
    case 'tables-asked':
      return s.step === 'choose' || s.step === 'pick' ? { ...s, step: 'listing', error: null } : s;
    case 'tables-answered': {
      if (s.step !== 'listing') return s;
      const has = a.preselect !== null && a.tables.tables.some((t) => `${t.schema}.${t.name}` === a.preselect);
      return { ...s, step: 'pick', tables: a.tables, picked: has && a.preselect !== null ? [a.preselect] : [] };
    }
    case 'tables-failed':
      return s.step === 'listing' ? { ...s, step: 'choose', tables: null, picked: [], error: a.error } : s;
    case 'table-toggled': {
      if (s.step !== 'pick') return s;
      const others = s.picked.filter((p) => p !== a.table);
      return { ...s, picked: a.picked ? [...others, a.table] : others };
    }
    case 'prepare-asked':
      return s.step === 'pick' && s.picked.length > 0 ? { ...s, step: 'preparing', error: null } : s;
    case 'prepare-failed':
      return s.step === 'preparing' ? { ...s, step: 'pick', error: a.error } : s;
    case 'prepared':
      return s.step === 'preparing' ? { ...s, step: 'prepared', table: s.picked[0] ?? '', where: '', asked: null } : s;
    case 'table-chosen':
      return s.step === 'prepared' ? { ...s, table: a.table } : s;
    case 'filter-typed':
      return s.step === 'prepared' ? { ...s, where: a.where } : s;
    case 'preview-asked':
      return s.step === 'prepared' && s.table !== '' ? { ...s, asked: { table: s.table, where: s.where } } : s;
    case 'temp-dropped':
      return s.step === 'prepared' ? { ...s, asked: null } : s;
    case 'start-over':
      return s.step === 'prepared' ? { ...s, step: 'choose', tables: null, picked: [], table: '', where: '', asked: null, error: null } : s;
  }
}

export function tablesRequest(s: ExtractWizardState, targetId: string): CallRequest<'extract.tables'> {
  return { targetId, backup: toBackupChoice(s.backup) };
}

export function prepareRequest(s: ExtractWizardState, targetId: string): CallRequest<'extract.prepare'> {
  // Exactly the backup whose tables were listed, even if a newer one appeared since.
  const key = s.tables?.key;
  return { targetId, backup: key ? { kind: 'key', key } : toBackupChoice(s.backup), tables: s.picked };
}

/** The rows Preview asked for, in the temporary database: what preview, export and copy send. */
export function rowsSelection(asked: RowsAsked, targetId: string, tempDatabase: string): Omit<CallRequest<'extract.export'>, 'format'> {
  return { targetId, tempDatabase, table: asked.table, ...(asked.where.trim() ? { where: asked.where } : {}) };
}
