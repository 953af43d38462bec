// What a killed backup leaves (an incomplete upload, a claim, an object without manifest) is listed
// for `lifeboat list` and the calendar, and pruned only once a day old, by the caller's clock.
import { describe, expect, it } from 'vitest';
import { describeInterruptedBackups, listInterruptedBackups } from '../../electron/engine/backup/interrupted-backups.js';
import { prune } from '../../electron/engine/retention/prune.js';
import { MemoryStorage } from '../../electron/engine/storage/memory-storage.js';

const started = new Date('2026-11-30T12:00:00Z');
const key = 'database_backups/2026/11/30/shop_20261130_120000.dump';
const smallKey = 'database_backups/2026/11/30/shop_20261130_120005.dump';
const seedKey = 'database_backups/2023/05/15/shop_20230515_031012.sql.gz';
const policy = { keepDays: 30, keepLast: 1, gfs: null };

async function killedBackups(): Promise<MemoryStorage> {
  const storage = new MemoryStorage('killed', () => started);
  const json = { contentType: 'application/json', mode: 'create' } as const;
  // A multipart backup killed mid-upload: its claim and its incomplete upload.
  await storage.putSmall(`${key}.claim`, '{"token":"a"}', json);
  storage.leaveIncomplete(key, started);
  // A small backup killed between its object and its manifest.
  await storage.putSmall(`${smallKey}.claim`, '{"token":"b"}', json);
  await storage.putSmall(smallKey, 'half a backup', json);
  // The seed's own backup: no claim, no manifest, never touched.
  await storage.putSmall(seedKey, 'seed', json);
  return storage;
}

describe('interrupted backups', () => {
  it('are listed once per key, with one sentence', async () => {
    const storage = await killedBackups();
    const found = await listInterruptedBackups(storage, 'database_backups');
    expect(found.backups).toEqual([
      { key, startedAt: started.toISOString(), evidence: ['claim', 'incomplete upload'] },
      { key: smallKey, startedAt: started.toISOString(), evidence: ['object without manifest'] },
    ]);
    expect(describeInterruptedBackups(found.backups)).toBe('2 interrupted backups (or still running), the oldest started 2026-11-30 12:00:00Z; `lifeboat prune` removes them once they are older than a day.');
    expect(describeInterruptedBackups(found.backups.slice(0, 1))).toBe('1 incomplete upload from an interrupted backup (or still running), started 2026-11-30 12:00:00Z; `lifeboat prune` removes them once they are older than a day.');
    expect(describeInterruptedBackups([])).toBeNull();
  });

  it('are pruned only once older than a day, and never a backup another tool wrote', async () => {
    const storage = await killedBackups();
    const early = await prune(storage, { prefix: 'database_backups', policy, dryRun: false, now: new Date('2026-12-01T11:00:00Z') });
    expect(early.staleClaims).toEqual([]);
    expect(early.incompleteUploads.found).toEqual([]);
    expect([...storage.objects.keys()].sort()).toEqual([seedKey, `${key}.claim`, smallKey, `${smallKey}.claim`].sort());

    const late = await prune(storage, { prefix: 'database_backups', policy, dryRun: false, now: new Date('2026-12-01T13:00:00Z') });
    expect(late.staleClaims.sort()).toEqual([`${key}.claim`, `${smallKey}.claim`].sort());
    expect(late.incompleteUploads.removed).toBe(1);
    expect([...storage.objects.keys()]).toEqual([seedKey]);
    expect((await listInterruptedBackups(storage, 'database_backups')).backups).toEqual([]);
  });
});
