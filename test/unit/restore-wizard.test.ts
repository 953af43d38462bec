import { describe, expect, it } from 'vitest';
import type { RestoreReview } from '../../shared/ipc-contract.js';
import { restoreReview, REVIEWED_KEY } from '../support/restore-review-fixture.js';
import {
  canStart,
  initialRestoreWizard,
  restoreWizard,
  reviewRequest,
  startRequest,
  type RestoreStep,
  type RestoreWizardAction,
  type RestoreWizardState,
} from '../../renderer/src/wizards/restore-wizard.js';

const KEY = REVIEWED_KEY;
const NEWER = 'database_backups/2026/11/26/shop_20261126_030000.dump';
const review = restoreReview;
const replacing = review({ destructive: true, confirmName: 'shop_dev', destination: { server: '127.0.0.1:5432', serverVersion: '15.20', database: 'shop_dev', action: 'replace', exists: true, objectCount: 12 } });

const run = (s: RestoreWizardState, ...actions: RestoreWizardAction[]): RestoreWizardState => actions.reduce(restoreWizard, s);
const fresh = (): RestoreWizardState => initialRestoreWizard(null, false);
/** The wizard brought to a step the ordinary way. */
function at(step: RestoreStep, plan: RestoreReview = review()): RestoreWizardState {
  const path: Record<RestoreStep, RestoreWizardAction[]> = {
    choose: [],
    reviewing: [{ type: 'review-asked' }],
    review: [{ type: 'review-asked' }, { type: 'review-answered', review: plan }],
    starting: [{ type: 'review-asked' }, { type: 'review-answered', review: plan }, { type: 'confirm-typed', text: plan.confirmName ?? '' }, { type: 'start-asked' }],
    started: [{ type: 'review-asked' }, { type: 'review-answered', review: plan }, { type: 'confirm-typed', text: plan.confirmName ?? '' }, { type: 'start-asked' }, { type: 'started' }],
  };
  const s = run(fresh(), ...path[step]);
  expect(s.step).toBe(step);
  return s;
}

describe('restore wizard reducer', () => {
  it('starts on the backup chosen on the calendar, or the latest; on the job when one is shown', () => {
    expect(initialRestoreWizard(KEY, false)).toMatchObject({ step: 'choose', options: { backup: { kind: 'key', key: KEY }, where: 'temp', mode: 'create' }, review: null });
    expect(initialRestoreWizard(null, false).options.backup).toEqual({ kind: 'latest', key: '' });
    expect(initialRestoreWizard(null, true).step).toBe('started');
  });

  it('choose → reviewing → review → starting → started → choose, keeping the options', () => {
    let s = run(fresh(), { type: 'options-changed', patch: { where: 'database', dbUrl: 'postgresql://u@h/shop_dev', mode: 'clean' } });
    expect(s.options).toMatchObject({ where: 'database', dbUrl: 'postgresql://u@h/shop_dev', mode: 'clean' });
    s = run(s, { type: 'review-asked' });
    expect(s.step).toBe('reviewing');
    s = run(s, { type: 'review-answered', review: replacing });
    expect(s).toMatchObject({ step: 'review', review: replacing, confirm: '' });
    s = run(s, { type: 'confirm-typed', text: 'shop_dev' }, { type: 'start-asked' });
    expect(s.step).toBe('starting');
    s = run(s, { type: 'started' });
    expect(s.step).toBe('started');
    s = run(s, { type: 'start-over' });
    expect(s).toMatchObject({ step: 'choose', review: null, confirm: '', error: null, options: { where: 'database', mode: 'clean' } });
  });

  it('a failed review returns to the form with the reason; asking again clears it', () => {
    let s = run(at('reviewing'), { type: 'review-failed', error: 'No backup of shop yet.' });
    expect(s).toMatchObject({ step: 'choose', error: 'No backup of shop yet.', review: null });
    s = run(s, { type: 'review-asked' });
    expect(s).toMatchObject({ step: 'reviewing', error: null });
  });

  it('Back from the review returns to the form and forgets the plan and the typed name', () => {
    const s = run(at('review', replacing), { type: 'confirm-typed', text: 'shop' }, { type: 'back' });
    expect(s).toMatchObject({ step: 'choose', review: null, confirm: '' });
  });

  it('a failed start stays on the review with the reason, so Start can be pressed again', () => {
    const s = run(at('starting'), { type: 'start-failed', error: 'The database shop_dev exists.' });
    expect(s).toMatchObject({ step: 'review', error: 'The database shop_dev exists.' });
    expect(canStart(s)).toBe(true);
    expect(run(s, { type: 'start-asked' })).toMatchObject({ step: 'starting', error: null });
  });

  it('a destructive restore starts only with the exact name typed', () => {
    const s = at('review', replacing);
    expect(canStart(s)).toBe(false);
    expect(run(s, { type: 'start-asked' })).toBe(s);
    expect(run(s, { type: 'confirm-typed', text: 'shop_de' }, { type: 'start-asked' }).step).toBe('review');
    expect(run(s, { type: 'confirm-typed', text: 'shop_dev' }, { type: 'start-asked' }).step).toBe('starting');
  });

  it('a dropped file becomes the backup and drops a review in flight or shown', () => {
    for (const step of ['choose', 'reviewing', 'review'] as const) {
      const s = run(at(step), { type: 'file-dropped', name: 'shop.dump', path: '/home/dba/shop.dump' });
      expect(s).toMatchObject({ step: 'choose', review: null, error: null, options: { backup: { kind: 'file', path: '/home/dba/shop.dump' } } });
    }
    // A window that cannot see the path says what to do instead.
    expect(run(fresh(), { type: 'file-dropped', name: 'shop.dump', path: null })).toMatchObject({
      step: 'choose',
      options: { backup: { kind: 'file', path: '' } },
      error: 'This window cannot see where “shop.dump” lies (only the desktop app can); type its full path instead.',
    });
  });

  it('ignores every action that does not fit the step (late answers, double clicks, edits while busy)', () => {
    const invalid: [RestoreStep, RestoreWizardAction][] = [
      // A review answer after Back, a drop, or a second answer: the plan was for another form.
      ['choose', { type: 'review-answered', review: review() }],
      ['choose', { type: 'review-failed', error: 'late' }],
      ['review', { type: 'review-answered', review: replacing }],
      // Only the form is editable; the reviewed plan is what starts.
      ['reviewing', { type: 'options-changed', patch: { where: 'database' } }],
      ['review', { type: 'options-changed', patch: { where: 'database' } }],
      ['starting', { type: 'options-changed', patch: { where: 'database' } }],
      ['reviewing', { type: 'review-asked' }],
      ['review', { type: 'review-asked' }],
      ['choose', { type: 'start-asked' }],
      ['reviewing', { type: 'start-asked' }],
      ['starting', { type: 'start-asked' }],
      ['started', { type: 'start-asked' }],
      ['choose', { type: 'back' }],
      ['reviewing', { type: 'back' }],
      ['starting', { type: 'back' }],
      ['started', { type: 'back' }],
      ['choose', { type: 'confirm-typed', text: 'x' }],
      ['starting', { type: 'confirm-typed', text: 'x' }],
      ['review', { type: 'start-failed', error: 'x' }],
      ['started', { type: 'start-failed', error: 'x' }],
      ['review', { type: 'started' }],
      ['started', { type: 'started' }],
      ['choose', { type: 'start-over' }],
      ['review', { type: 'start-over' }],
      ['starting', { type: 'start-over' }],
      // Once the restore is asked for, a drop does not replace what is being restored.
      ['starting', { type: 'file-dropped', name: 'x.dump', path: '/x.dump' }],
      ['started', { type: 'file-dropped', name: 'x.dump', path: '/x.dump' }],
    ];
    for (const [step, action] of invalid) {
      const s = at(step, replacing);
      expect(restoreWizard(s, action), `${action.type} in ${step}`).toBe(s);
    }
  });

  it('builds the requests: the form for the review, exactly the reviewed backup and plan time for the start', () => {
    let s = run(fresh(), { type: 'options-changed', patch: { where: 'database', dbUrl: 'postgresql://u@h/shop_dev', password: 'pw', mode: 'clean' } });
    expect(reviewRequest(s, 't1')).toEqual({ targetId: 't1', backup: { kind: 'latest' }, destination: { kind: 'database', dbUrl: 'postgresql://u@h/shop_dev', mode: 'clean', password: 'pw' } });
    // "Latest" was reviewed as KEY; a newer backup appearing meanwhile does not change what starts.
    s = run(s, { type: 'review-asked' }, { type: 'review-answered', review: replacing }, { type: 'confirm-typed', text: 'shop_dev' });
    expect(startRequest(s, 't1')).toEqual({
      targetId: 't1',
      backup: { kind: 'key', key: KEY },
      destination: { kind: 'database', dbUrl: 'postgresql://u@h/shop_dev', mode: 'clean', password: 'pw' },
      plannedAt: '2026-11-25T12:00:00.000Z',
      confirmName: 'shop_dev',
    });
    expect(startRequest(s, 't1').backup).not.toEqual({ kind: 'key', key: NEWER });
    // A temporary database without a password sends neither password nor confirmation.
    const t = at('review');
    expect(startRequest(t, 't1')).toEqual({ targetId: 't1', backup: { kind: 'key', key: KEY }, destination: { kind: 'temp' }, plannedAt: '2026-11-25T12:00:00.000Z' });
    // A file is restored from its path, not from the review's "key".
    const f = run(fresh(), { type: 'file-dropped', name: 'shop.dump', path: '/home/dba/shop.dump' }, { type: 'review-asked' }, { type: 'review-answered', review: review({ backup: { ...review().backup, key: '/home/dba/shop.dump' } }) });
    expect(startRequest(f, 't1').backup).toEqual({ kind: 'file', path: '/home/dba/shop.dump' });
  });
});
