import { describe, expect, it } from 'vitest';
import { describeDumpFailure } from '../../electron/engine/backup/dump-failure.js';
import { withCliHint } from '../../electron/cli/hint-text.js';
import { LifeboatError, toLifeboatError } from '../../electron/engine/errors.js';
import { describeLeftovers, trackPendingCleanup } from '../../electron/engine/jobs/pending-cleanup.js';
import { describePgError } from '../../electron/engine/pg/pg-errors.js';

const conn = { url: 'postgresql://app@db:5432/prod', password: 'hunter2', display: 'db:5432' };
const ctx = { toolVersion: '15.20', database: 'prod', where: 'db:5432', secrets: ['hunter2'] };

/** One sentence: no line breaks, ends with a full stop, and says what to do. */
function expectOneClearSentence(message: string): void {
  expect(message).not.toMatch(/\n/);
  expect(message).toMatch(/\.$/);
  expect(message).not.toMatch(/^Unexpected error/);
  expect(message).not.toContain('hunter2');
}

describe('a failed pg_dump is one sentence saying that nothing was stored', () => {
  it('killed by a signal', () => {
    const e = describeDumpFailure({ code: -1, signal: 'SIGKILL', stderr: '' }, ctx);
    expect(e.message).toMatch(/^pg_dump was killed by signal SIGKILL while backing up database "prod" at db:5432; nothing was stored\./);
    expectOneClearSentence(e.message);
  });

  it('its connection ended by the server', () => {
    const stderr = 'pg_dump: error: Dumping the contents of table "t" failed: PQgetResult() failed.\npg_dump: detail: Error message from server: FATAL:  terminating connection due to administrator command\npg_dump: detail: Command was: COPY public.t (a) TO stdout;\n';
    const e = describeDumpFailure({ code: 1, signal: null, stderr }, ctx);
    expect(e.message).toMatch(/^The server ended pg_dump's connection while backing up database "prod" at db:5432 .*; nothing was stored\./);
    expectOneClearSentence(e.message);
  });

  it('any other failure, with the password scrubbed from what pg_dump said', () => {
    const e = describeDumpFailure({ code: 1, signal: null, stderr: 'pg_dump: error: query failed: ERROR:  permission denied for table t (hunter2)\n' }, ctx);
    expect(e.message).toMatch(/^pg_dump 15\.20 failed on database "prod" at db:5432: .*permission denied.*; nothing was stored\.$/);
    expectOneClearSentence(e.message);
  });
});

describe('driver errors', () => {
  it.each([
    ['terminated by an administrator', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['socket closed', new Error('Connection terminated unexpectedly')],
    ['reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ])('a connection %s says the server ended it', (_, err) => {
    const e = describePgError(err, conn);
    expect(e.code).toBe('PG_UNREACHABLE');
    expect(e.message).toMatch(/^The connection to PostgreSQL at db:5432 was ended by the server .* Check the server, then try again\.$/);
    expectOneClearSentence(e.message);
  });

  it('an unreachable server', () => {
    const e = describePgError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), conn);
    expect(e.message).toMatch(/Cannot connect to PostgreSQL at db:5432: connection refused\. Check that the server is running/);
  });
});

describe('the safety net for errors that are not LifeboatErrors', () => {
  it('a full disk keeps its meaning', () => {
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/backups/x' });
    const e = toLifeboatError(err);
    expect(e.code).toBe('NOT_ENOUGH_SPACE');
    expect(e.message).toBe('Could not write (/backups/x): the disk is full; free some space (or choose another folder) and try again.');
  });

  it('a read-only file system', () => {
    expect(toLifeboatError(Object.assign(new Error('EROFS'), { code: 'EROFS', syscall: 'open', path: '/ro' })).message).toMatch(/read-only; choose a folder you can write to\.$/);
  });

  it('anything else says it is a bug and what to do, never just "Unexpected error"', () => {
    const e = toLifeboatError(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/this is a bug\.$/);
    expect(withCliHint(e.message, e.hint)).toMatch(/this is a bug\. Run the command again with --verbose and report what it prints\.$/);
    expectOneClearSentence(e.message);
  });

  it('a LifeboatError passes through unchanged', () => {
    const original = new LifeboatError('KEY_EXISTS', 'x.');
    expect(toLifeboatError(original)).toBe(original);
  });
});

describe('what a cancel left behind', () => {
  it('names each pending item and how to remove it, and forgets finished ones', () => {
    expect(describeLeftovers()).toBeNull();
    const done = trackPendingCleanup({ what: 'the incomplete upload of k to s3://b', remedy: '`lifeboat prune` removes it' });
    expect(describeLeftovers('could not be aborted')).toBe('the incomplete upload of k to s3://b could not be aborted; `lifeboat prune` removes it');
    done();
    expect(describeLeftovers()).toBeNull();
  });
});
