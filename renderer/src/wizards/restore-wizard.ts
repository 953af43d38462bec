// The restore wizard's state as a pure reducer over explicit steps (tested in
// test/unit/restore-wizard.test.ts). An action that does not fit the current step changes nothing:
// a review answer that arrives after Back or a dropped file is ignored, Start needs a review and,
// for a destructive restore, the typed name.
import type { CallRequest, RestoreDestinationInput, RestoreReview } from '../../../shared/ipc-contract.js';
import { toRestoreSource, type BackupChoiceState } from '../lib/backup-choice.js';

/**
 * choose: the form (backup, where to) · reviewing: restore.review asked · review: the plan shown,
 * waiting for Start · starting: restore.start asked · started: the job runs or has ended (the jobs
 * store has it; "Start another restore" goes back to choose).
 */
export type RestoreStep = 'choose' | 'reviewing' | 'review' | 'starting' | 'started';

/** Everything the user chooses before the review, in one object: a new option is one field here. */
export interface RestoreOptions {
  backup: BackupChoiceState;
  where: 'temp' | 'database';
  dbUrl: string;
  password: string;
  mode: 'create' | 'clean';
  /** Create the roles the backup needs that the target lacks, from the globals recorded with it. */
  withGlobals: boolean;
  /** Put everything in the database's default tablespace (a server without the backup's tablespaces). */
  noTablespaces?: boolean;
}

export interface RestoreWizardState {
  step: RestoreStep;
  options: RestoreOptions;
  /** The plan shown in the review step (and kept while starting). */
  review: RestoreReview | null;
  /** The database name typed to confirm a destructive restore. */
  confirm: string;
  error: string | null;
}

export type RestoreWizardAction =
  | { type: 'options-changed'; patch: Partial<RestoreOptions> }
  /** A file dropped on the screen: it becomes the backup (its path, or null when the window cannot tell it). */
  | { type: 'file-dropped'; name: string; path: string | null }
  | { type: 'review-asked' }
  | { type: 'review-answered'; review: RestoreReview }
  | { type: 'review-failed'; error: string }
  | { type: 'back' }
  | { type: 'confirm-typed'; text: string }
  | { type: 'start-asked' }
  | { type: 'start-failed'; error: string }
  | { type: 'started' }
  | { type: 'start-over' };

export function initialRestoreWizard(chosenKey: string | null, jobShown: boolean): RestoreWizardState {
  return {
    step: jobShown ? 'started' : 'choose',
    options: { backup: { kind: chosenKey ? 'key' : 'latest', key: chosenKey ?? '' }, where: 'temp', dbUrl: '', password: '', mode: 'create', withGlobals: false },
    review: null,
    confirm: '',
    error: null,
  };
}

/** Whether Start may be pressed: a review is shown and, if it replaces a database, its name is typed. */
export function canStart(s: RestoreWizardState): boolean {
  return s.step === 'review' && s.review !== null && (!s.review.destructive || s.confirm === s.review.confirmName);
}

export function restoreWizard(s: RestoreWizardState, a: RestoreWizardAction): RestoreWizardState {
  switch (a.type) {
    case 'options-changed':
      return s.step === 'choose' ? { ...s, options: { ...s.options, ...a.patch } } : s;
    case 'file-dropped':
      // Anywhere before the restore starts; a review in flight or shown is for another backup now.
      if (s.step !== 'choose' && s.step !== 'reviewing' && s.step !== 'review') return s;
      return {
        ...s,
        step: 'choose',
        review: null,
        options: { ...s.options, backup: { ...s.options.backup, kind: 'file', path: a.path ?? '' } },
        error: a.path ? null : `This window cannot see where “${a.name}” lies (only the desktop app can); type its full path instead.`,
      };
    case 'review-asked':
      return s.step === 'choose' ? { ...s, step: 'reviewing', error: null } : s;
    case 'review-answered':
      return s.step === 'reviewing' ? { ...s, step: 'review', review: a.review, confirm: '' } : s;
    case 'review-failed':
      return s.step === 'reviewing' ? { ...s, step: 'choose', error: a.error } : s;
    case 'back':
      return s.step === 'review' ? { ...s, step: 'choose', review: null, confirm: '', error: null } : s;
    case 'confirm-typed':
      return s.step === 'review' ? { ...s, confirm: a.text } : s;
    case 'start-asked':
      return canStart(s) ? { ...s, step: 'starting', error: null } : s;
    case 'start-failed':
      return s.step === 'starting' ? { ...s, step: 'review', error: a.error } : s;
    case 'started':
      return s.step === 'starting' ? { ...s, step: 'started' } : s;
    case 'start-over':
      return s.step === 'started' ? { ...s, step: 'choose', review: null, confirm: '', error: null } : s;
  }
}

export function destinationOf(o: RestoreOptions): RestoreDestinationInput {
  return o.where === 'temp' ? { kind: 'temp' } : { kind: 'database', dbUrl: o.dbUrl, mode: o.mode, ...(o.password ? { password: o.password } : {}) };
}

export function reviewRequest(s: RestoreWizardState, targetId: string): CallRequest<'restore.review'> {
  return { targetId, backup: toRestoreSource(s.options.backup), destination: destinationOf(s.options), ...(s.options.withGlobals ? { withGlobals: true } : {}), ...(s.options.noTablespaces ? { noTablespaces: true } : {}) };
}

export function startRequest(s: RestoreWizardState, targetId: string): CallRequest<'restore.start'> {
  const key = s.review?.backup.key;
  return {
    targetId,
    // Restore exactly the backup that was reviewed, even if a newer one appeared since.
    // (A file is restored from its path; its "key" is that path.)
    backup: s.options.backup.kind !== 'file' && key ? { kind: 'key', key } : toRestoreSource(s.options.backup),
    destination: destinationOf(s.options),
    ...(s.options.withGlobals ? { withGlobals: true } : {}),
    ...(s.options.noTablespaces ? { noTablespaces: true } : {}),
    // The plan's time: a temporary database gets exactly the name the review showed.
    ...(s.review ? { plannedAt: s.review.plannedAt } : {}),
    ...(s.review?.destructive ? { confirmName: s.confirm } : {}),
  };
}
