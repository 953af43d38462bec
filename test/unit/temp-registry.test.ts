import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TempRegistry } from '../../electron/engine/restore/temp-registry.js';

describe('temporary-database registry', () => {
  it('keeps every record when many runs add and remove at once, and leaves no lock behind', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-registry-'));
    const registry = new TempRegistry({ LIFEBOAT_HOME: home });
    const rec = (i: number) => ({ name: `lifeboat_db_20250101_00000${i % 10}_${i}`, server: '127.0.0.1:5432', serverUrl: null, createdAt: '2025-01-01T00:00:00Z', key: 'k', purpose: 'restore' as const });
    await Promise.all(Array.from({ length: 20 }, (_, i) => new TempRegistry({ LIFEBOAT_HOME: home }).add(rec(i))));
    expect((await registry.list()).map((r) => r.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => rec(i).name).sort());
    await Promise.all(Array.from({ length: 10 }, (_, i) => new TempRegistry({ LIFEBOAT_HOME: home }).remove(rec(i).name, '127.0.0.1:5432')));
    expect(await registry.list()).toHaveLength(10);
    expect(await readdir(home)).toEqual(['temp-databases.json']);
  });
});
