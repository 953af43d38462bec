import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActivityLog, type NewActivity } from '../../electron/engine/activity/activity-log.js';

function entry(i: number, over: Partial<NewActivity> = {}): NewActivity {
  const at = new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString();
  return { kind: 'backup', outcome: 'success', profile: 'shop', startedAt: at, endedAt: at, bytes: 10, storage: 's3://b/database_backups', key: `k${i}`, summary: `backup ${i}`, error: null, details: {}, ...over };
}

describe('activity log', () => {
  it('rotates by size, keeps a bounded number of files and still reads everything in order', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-activity-'));
    const log = new ActivityLog({ dir, maxBytes: 2000, keepFiles: 3 });
    for (let i = 0; i < 60; i++) await log.append(entry(i, { summary: `backup ${i} ${'x'.repeat(100)}` }));
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['activity.1.jsonl', 'activity.2.jsonl', 'activity.3.jsonl', 'activity.jsonl']);
    const all = await log.read();
    // The oldest entries went with the file rotated out; what is left is contiguous and ordered.
    const ids = all.map((e) => Number(e.key?.slice(1)));
    expect(ids.at(-1)).toBe(59);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => 60 - ids.length + i));
    expect(ids.length).toBeLessThan(60);
  });

  it('loses nothing when several writers (the app, the CLI, a scheduler service) rotate at the same moment', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-activity-'));
    // Enough kept files that nothing is rotated out: every entry must still be there.
    const writers = Array.from({ length: 8 }, () => new ActivityLog({ dir, maxBytes: 1500, keepFiles: 200 }));
    await Promise.all(writers.map((log, w) => (async () => {
      for (let i = 0; i < 20; i++) await log.append(entry(w * 100 + i, { summary: `writer ${w} entry ${i} ${'x'.repeat(100)}` }));
    })()));
    expect(await writers[0]!.read()).toHaveLength(160);
    expect((await readdir(dir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('never writes a password, token or credential-bearing URL', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-activity-'));
    const log = new ActivityLog({ dir }, ['Hunter2!']);
    await log.append(
      entry(1, {
        outcome: 'failure',
        storage: 'https://user:s3cr3t@minio.internal/bucket',
        summary: 'connect postgresql://app:pw123@db/shop failed',
        error: { code: 'PG_AUTH_FAILED', message: 'password authentication failed, password was Hunter2! (url https://hooks.example/x?token=abc&sig=def)' },
        details: { dsn: 'https://key:secret@sentry.example/1' },
      }),
    );
    const text = await readFile(path.join(dir, 'activity.jsonl'), 'utf8');
    for (const secret of ['s3cr3t', 'pw123', 'Hunter2!', 'token=abc', 'sig=def', 'key:secret']) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'PG_AUTH_FAILED' }, durationMs: 0 });
  });

  it('filters by profile, kind, outcome and time, and skips a torn last line', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-activity-'));
    const log = new ActivityLog({ dir });
    await log.append(entry(1));
    await log.append(entry(2, { outcome: 'failure', profile: 'crm' }));
    await log.append(entry(3, { kind: 'prune' }));
    const { appendFile } = await import('node:fs/promises');
    await appendFile(path.join(dir, 'activity.jsonl'), '{"kind":"backup","outc');
    expect((await log.read({ profile: 'crm' })).map((e) => e.key)).toEqual(['k2']);
    expect((await log.read({ kind: 'prune' })).map((e) => e.key)).toEqual(['k3']);
    expect((await log.read({ outcome: 'success', kind: 'backup' })).map((e) => e.key)).toEqual(['k1']);
    expect((await log.read({ since: new Date('2026-11-01T00:00:02Z') })).map((e) => e.key)).toEqual(['k2', 'k3']);
  });
});
