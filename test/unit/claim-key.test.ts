// Key claims (electron/engine/backup/claim-key.ts) on the in-memory storage: same-second backups
// each get their own key, existing backups are never claimed, and a storage that ignores
// create-only writes is noticed.
import { beforeEach, describe, expect, it } from 'vitest';
import { buildBackupKey, claimKeyFor } from '../../shared/backup-key.js';
import { claimBackupKey, forgetConditionalWriteSupport } from '../../electron/engine/backup/claim-key.js';
import { MemoryStorage } from '../../electron/engine/storage/memory-storage.js';
import type { WriteMode } from '../../electron/engine/storage/storage.js';

const at = new Date('2026-11-30T12:00:00.250Z');
const keyFor = (d: Date): string => buildBackupKey({ prefix: 'database_backups', dbName: 'shop', startedAt: d, format: 'custom' });

beforeEach(() => forgetConditionalWriteSupport());

describe('claimBackupKey', () => {
  it('gives 20 concurrent claims at one frozen second 20 consecutive keys', async () => {
    const storage = new MemoryStorage('claims');
    const claims = await Promise.all(Array.from({ length: 20 }, () => claimBackupKey(storage, { keyFor, startedAt: at })));
    const keys = claims.map((c) => c.key).sort();
    expect(new Set(keys).size).toBe(20);
    expect(keys[0]).toBe('database_backups/2026/11/30/shop_20261130_120000.dump');
    expect(keys[19]).toBe('database_backups/2026/11/30/shop_20261130_120019.dump');
    expect(claims.every((c) => c.enforced)).toBe(true);
    for (const c of claims) expect(await storage.head(claimKeyFor(c.key))).not.toBeNull();
    await Promise.all(claims.map((c) => c.release()));
    expect([...storage.objects.keys()]).toEqual([]);
  });

  it('skips a second that already holds a backup another tool wrote (no claim), and never touches it', async () => {
    const storage = new MemoryStorage('seeded');
    await storage.putSmall(keyFor(at), 'seed script dump', { contentType: 'application/gzip', mode: 'create' });
    const c = await claimBackupKey(storage, { keyFor, startedAt: at });
    expect(c.key).toBe('database_backups/2026/11/30/shop_20261130_120001.dump');
    expect(await storage.getSmall(keyFor(at))).toBe('seed script dump');
    expect(await storage.head(claimKeyFor(keyFor(at)))).toBeNull();
  });

  it('notices a storage that ignores create-only writes, and still refuses a claim it lost', async () => {
    class Overwriting extends MemoryStorage {
      override putSmall(key: string, data: string, opts: { contentType: string; mode: WriteMode }): Promise<void> {
        return super.putSmall(key, data, { ...opts, mode: 'replace' });
      }
    }
    const storage = new Overwriting('lax');
    const c = await claimBackupKey(storage, { keyFor, startedAt: at });
    expect(c.enforced).toBe(false);
    expect(await c.isStillOurs()).toBe(true);
    await storage.putSmall(claimKeyFor(c.key), '{"token":"someone else"}', { contentType: 'application/json', mode: 'replace' });
    expect(await c.isStillOurs()).toBe(false);
    await c.release(); // not ours any more: left alone
    expect(await storage.getSmall(claimKeyFor(c.key))).toBe('{"token":"someone else"}');
  });
});
