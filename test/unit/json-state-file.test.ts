import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TempRegistry } from '../../electron/engine/restore/temp-registry.js';
import { automationStateFile } from '../../electron/engine/scheduler/automation-config.js';
import { fileStateStore } from '../../electron/engine/scheduler/scheduler-state.js';
import { withFileLock } from '../../electron/engine/state/file-lock.js';
import { JsonStateFile } from '../../electron/engine/state/json-state-file.js';

const tmp = (): Promise<string> => mkdtemp(path.join(os.tmpdir(), 'lifeboat-state-'));
const schema = z.object({ version: z.literal(1), items: z.array(z.string()) });
const stateFile = (dir: string, lock?: { waitMs?: number; isAlive?: (pid: number) => boolean }) =>
  new JsonStateFile({ file: path.join(dir, 'things.json'), schema, empty: () => ({ version: 1 as const, items: [] }), what: 'the things file', version: { field: 'version', current: 1 }, ...(lock ? { lock } : {}) });

/** The pid of a process that has exited (so certainly not holding any lock). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('JSON state file', () => {
  it('reads a missing file as empty, writes atomically and owner-only, and leaves no temp or lock file', async () => {
    const dir = await tmp();
    const f = stateFile(dir);
    expect(await f.read()).toEqual({ version: 1, items: [] });
    await Promise.all(Array.from({ length: 20 }, (_, i) => f.update((v) => void v.items.push(`i${i}`))));
    expect((await f.read()).items).toHaveLength(20);
    expect(await readdir(dir)).toEqual(['things.json']);
    expect((await stat(f.file)).mode & 0o777).toBe(0o600);
  });

  it('reports a truncated, empty, invalid or newer file with its path and what to do, and never rewrites it', async () => {
    const dir = await tmp();
    const f = stateFile(dir);
    for (const [content, why] of [
      ['{"version":1,"items":["a",', 'it is not valid JSON'],
      ['', 'it is empty'],
      ['null', 'the top level: '],
      ['{"version":1,"items":[1]}', 'items.0: '],
    ] as const) {
      await writeFile(f.file, content);
      await expect(f.read()).rejects.toMatchObject({ code: 'STATE_DAMAGED', message: expect.stringContaining(`The things file ${f.file} is damaged (${why}`) });
      await expect(f.update((v) => void v.items.push('x'))).rejects.toMatchObject({ code: 'STATE_DAMAGED', message: expect.stringMatching(/never resets it: fix it by hand or move it aside/) });
      expect(await readFile(f.file, 'utf8')).toBe(content);
    }
    await writeFile(f.file, '{"version":2,"items":[]}');
    await expect(f.read()).rejects.toMatchObject({ code: 'STATE_DAMAGED', message: expect.stringContaining('schema version 2, written by a newer Lifeboat') });
  });

  it('refuses to write an invalid value and keeps the file as it was', async () => {
    const dir = await tmp();
    const f = stateFile(dir);
    await f.write({ version: 1, items: ['a'] });
    await expect(f.write({ version: 1, items: [3] } as unknown as { version: 1; items: string[] })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(await f.read()).toEqual({ version: 1, items: ['a'] });
    expect(await readdir(dir)).toEqual(['things.json']);
  });

  it('takes over a lock left by a dead process (no clock involved), including the bare-pid locks of older versions', async () => {
    const dir = await tmp();
    const f = stateFile(dir, { waitMs: 2_000 });
    await writeFile(`${f.file}.lock`, JSON.stringify({ pid: deadPid(), host: os.hostname(), token: 'old' }));
    await f.update((v) => void v.items.push('a'));
    await writeFile(`${f.file}.lock`, String(deadPid()));
    await f.update((v) => void v.items.push('b'));
    expect((await f.read()).items).toEqual(['a', 'b']);
    expect(await readdir(dir)).toEqual(['things.json']);
  });

  it('waits for a live holder and then says which process holds which lock file', async () => {
    const dir = await tmp();
    const f = stateFile(dir, { waitMs: 200 });
    // This very process "holds" it, as another live Lifeboat would.
    await writeFile(`${f.file}.lock`, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'busy' }));
    await expect(f.update(() => undefined)).rejects.toMatchObject({ code: 'STATE_LOCKED', message: expect.stringContaining(`stayed locked by process ${process.pid} on ${os.hostname()}`) });
    await expect(f.update(() => undefined)).rejects.toMatchObject({ message: expect.stringContaining(`delete ${f.file}.lock`) });
  });

  it('orders writers inside one process without losing any update', async () => {
    const dir = await tmp();
    const lock = path.join(dir, 'x.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withFileLock(lock, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 2));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});

describe('the four state files go through it', () => {
  it('a truncated temp-databases.json is reported, not read as empty, and not reset by add', async () => {
    const home = await tmp();
    const file = path.join(home, 'temp-databases.json');
    const truncated = '{"databases":[{"name":"lifeboat_shop_20260101_000000","server":"127.0.0.1:5432","serverUrl":null,"createdAt":"2026-01-01T00:00:00Z","key":"k","purpose":"restore"},';
    await writeFile(file, truncated);
    const registry = new TempRegistry({ LIFEBOAT_HOME: home });
    await expect(registry.list()).rejects.toMatchObject({ code: 'STATE_DAMAGED', message: expect.stringContaining(file) });
    await expect(registry.add({ name: 'lifeboat_x_20260101_000000', server: 's', serverUrl: null, createdAt: 'now', key: 'k', purpose: 'restore' })).rejects.toMatchObject({ code: 'STATE_DAMAGED' });
    expect(await readFile(file, 'utf8')).toBe(truncated);
  });

  it('scheduler-state.json: null, a wrong type or a number for lastSlot is damage, not an empty state', async () => {
    const home = await tmp();
    const file = path.join(home, 'scheduler-state.json');
    for (const content of ['null', '{"nightly":"yesterday"}', '{"nightly":{"lastSlot":0}}', '{"nightly":{"lastSlot":"soon"}}']) {
      await writeFile(file, content);
      await expect(fileStateStore(file).load()).rejects.toMatchObject({ code: 'STATE_DAMAGED', message: expect.stringContaining(`The scheduler state file ${file} is damaged`) });
      await expect(fileStateStore(file).save({})).rejects.toMatchObject({ code: 'STATE_DAMAGED' });
      expect(await readFile(file, 'utf8')).toBe(content);
    }
  });

  it('scheduler-state.json keeps today’s format, and a save keeps the entries of schedules it does not know', async () => {
    const home = await tmp();
    const file = path.join(home, 'scheduler-state.json');
    const today = { other: { lastSlot: '2026-05-01T03:00:00.000Z', lastRunAt: null, lastOutcome: 'success', lastSuccessAt: null, lastVerifyAt: null, lastTakenElsewhere: null } };
    await writeFile(file, JSON.stringify(today));
    const store = fileStateStore(file);
    await store.save({ mine: { lastSlot: '2026-05-02T03:00:00.000Z', lastRunAt: null, lastOutcome: null, lastSuccessAt: null, lastVerifyAt: null, lastTakenElsewhere: null } });
    expect(Object.keys(await store.load()).sort()).toEqual(['mine', 'other']);
    expect((await store.load()).other).toEqual(today.other);
  });

  it('automation.json: damaged is reported with the path; a file without maxConcurrentBackups reads with the default 2', async () => {
    const home = await tmp();
    const file = path.join(home, 'automation.json');
    await writeFile(file, '{"version":1,"schedules":[{"name":"n"}]}');
    await expect(automationStateFile(file).read()).rejects.toMatchObject({ code: 'STATE_DAMAGED', message: expect.stringContaining(`The automation settings file ${file} is damaged (schedules.0.`) });
    await writeFile(file, '{"version":1,"schedules":[]}');
    expect((await automationStateFile(file).read()).maxConcurrentBackups).toBe(2);
  });
});
