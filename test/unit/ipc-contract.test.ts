import { describe, expect, it } from 'vitest';
import { CALL_NAMES, EVENT_NAMES, callSchemas, parseCallRequest, type CallResponses, type EventPayloads } from '../../shared/ipc-contract.js';

describe('IPC contract validation', () => {
  it('accepts a well-formed request and returns the parsed value', () => {
    const r = parseCallRequest('backup.start', { targetId: 't1', label: 'before migration 42', pin: true, format: 'plain' });
    expect(r).toEqual({ ok: true, name: 'backup.start', request: { targetId: 't1', label: 'before migration 42', pin: true, format: 'plain' } });
  });

  it('rejects an unknown call with one clear sentence', () => {
    expect(parseCallRequest('fs.readFile', { path: '/etc/passwd' })).toEqual({
      ok: false,
      error: { code: 'BAD_REQUEST', message: 'There is no call named "fs.readFile"; update the app.' },
    });
  });

  it('rejects wrong types and names the field', () => {
    const r = parseCallRequest('backup.start', { targetId: 5 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^The request "backup.start" was rejected \(targetId\): .*string.*\.$/);
  });

  it('rejects fields the contract does not know (no smuggling options into the engine)', () => {
    const r = parseCallRequest('backup.start', { targetId: 't1', pgBinDir: '/tmp/evil' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('pgBinDir');
  });

  it('rejects values outside the allowed set and over-long text', () => {
    expect(parseCallRequest('backup.start', { targetId: 't1', format: 'tar' }).ok).toBe(false);
    expect(parseCallRequest('backup.start', { targetId: 't1', label: 'x'.repeat(201) }).ok).toBe(false);
    expect(parseCallRequest('targets.save', { name: '  ', dbUrl: 'postgresql://a@b/c', storageUrl: '' })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('Give the target a name.') },
    });
  });

  it('validates restore choices: a key or latest, a temporary database or a named one', () => {
    expect(parseCallRequest('restore.start', { targetId: 't', backup: { kind: 'latest' }, destination: { kind: 'temp' } }).ok).toBe(true);
    expect(parseCallRequest('restore.start', { targetId: 't', backup: { kind: 'key', key: '  ' }, destination: { kind: 'temp' } })).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('Choose a backup or paste its key.') },
    });
    expect(parseCallRequest('restore.start', { targetId: 't', backup: { kind: 'latest' }, destination: { kind: 'database', dbUrl: 'postgresql://u@h/db', mode: 'drop-everything' } }).ok).toBe(false);
    expect(parseCallRequest('extract.prepare', { targetId: 't', backup: { kind: 'latest' }, tables: [] })).toMatchObject({ ok: false, error: { message: expect.stringContaining('Choose at least one table.') } });
  });

  it('treats a missing body as an empty request', () => {
    expect(parseCallRequest('app.info', undefined)).toEqual({ ok: true, name: 'app.info', request: {} });
    expect(parseCallRequest('jobs.cancel', undefined).ok).toBe(false);
  });

  it('has a schema for every call and lists every event', () => {
    expect(CALL_NAMES.sort()).toEqual(Object.keys(callSchemas).sort());
    // Compile-time: every call has a response type and every event a payload type.
    const responses: Record<keyof CallResponses, true> = {
      'app.info': true, 'app.loginItem.get': true, 'app.loginItem.set': true, 'targets.list': true, 'targets.save': true, 'targets.remove': true, 'connection.test': true,
      'storage.test': true, 'backups.list': true, 'backup.start': true, 'jobs.list': true, 'jobs.cancel': true,
      'restore.review': true, 'restore.start': true, 'temp.drop': true, 'extract.tables': true, 'extract.prepare': true,
      'extract.preview': true, 'extract.export': true, 'extract.copy': true, 'backup.verify': true, 'backup.pin': true,
      'schedules.list': true, 'schedules.save': true, 'schedules.remove': true, 'schedules.runNow': true, 'schedules.preview': true, 'schedules.calendar': true,
      'retention.preview': true, 'notifications.list': true, 'notifications.test': true, 'activity.list': true, 'report.get': true,
      'browse.show': true, 'browse.peek': true, 'compare.backups': true, 'compare.live': true, 'compare.rows': true,
    };
    expect(Object.keys(responses).sort()).toEqual([...CALL_NAMES].sort());
    const events: Record<keyof EventPayloads, true> = { 'job.started': true, 'job.progress': true, 'job.finished': true, 'backups.changed': true, 'targets.changed': true, 'schedules.changed': true };
    expect([...EVENT_NAMES].sort()).toEqual(Object.keys(events).sort());
  });
});
