// One meaning per schedule field (issue 10, point 1), whoever wrote the file: the model's
// normalisation, the CLI's flags and an automation.json written by an older app.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduleSchema } from '../../shared/schedule.js';
import { patchFromOptions, scheduleFromOptions } from '../../electron/cli/commands/scheduler.js';
import { loadAutomationConfig } from '../../electron/engine/scheduler/automation-config.js';

const base = { name: 'shop', when: { daily: '03:00' }, createdAt: '2026-05-01T00:00:00Z' };
const cliDefaults = { format: 'custom', catchUp: true, retries: '3', retryDelay: '60', keepDays: '30', keepLast: '3', prune: true, verifyEveryDays: '7' };

describe('verifyEveryDays has one meaning', () => {
  it('0 and null both mean never, stored as null; N > 0 means every N days', () => {
    expect(scheduleSchema.parse({ ...base, verifyEveryDays: 0 }).verifyEveryDays).toBeNull();
    expect(scheduleSchema.parse({ ...base, verifyEveryDays: null }).verifyEveryDays).toBeNull();
    expect(scheduleSchema.parse({ ...base, verifyEveryDays: 3 }).verifyEveryDays).toBe(3);
    expect(scheduleSchema.parse(base).verifyEveryDays).toBe(7);
  });

  it('the CLI flag says the same: --verify-every-days 0 is never', () => {
    expect(scheduleFromOptions('shop', { ...cliDefaults, daily: '03:00', verifyEveryDays: '0' }, new Date(0)).verifyEveryDays).toBeNull();
    expect(scheduleFromOptions('shop', { ...cliDefaults, daily: '03:00', verifyEveryDays: '2' }, new Date(0)).verifyEveryDays).toBe(2);
    const existing = scheduleSchema.parse({ ...base, verifyEveryDays: 5 });
    expect(patchFromOptions({ verifyEveryDays: '0' })(existing)).toEqual({ verifyEveryDays: null });
  });

  it('a file written by an older app (0 = "every run" there, a copied storage URL) reads with the one meaning', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-model-'));
    const file = path.join(dir, 'automation.json');
    await writeFile(file, JSON.stringify({ version: 1, schedules: [{ ...base, profile: 'shop', db: null, to: 's3://old-copy/prefix', verifyEveryDays: 0 }] }));
    const [s] = (await loadAutomationConfig(file)).schedules;
    expect(s).toMatchObject({ profile: 'shop', db: null, to: null, verifyEveryDays: null });
  });
});

describe('a profile says where and how', () => {
  it('a profile schedule has no db or storage of its own; --format with --profile is refused', () => {
    expect(scheduleSchema.parse({ ...base, profile: 'shop', db: 'postgresql://x@h/other', to: 's3://elsewhere' })).toMatchObject({ db: null, to: null });
    expect(() => scheduleFromOptions('shop', { ...cliDefaults, profile: 'shop', daily: '03:00', format: 'plain' }, new Date(0), true)).toThrow(/profile's format/);
  });

  it('an edit changes only the fields given', () => {
    const existing = scheduleSchema.parse({ ...base, retries: 5, retryDelaySeconds: 7, retention: { keepDays: 10, keepLast: 4, gfs: { daily: 7, weekly: 4, monthly: 6 } } });
    expect(patchFromOptions({ keepDays: '12' })(existing)).toEqual({ retention: { keepDays: 12, keepLast: 4, gfs: { daily: 7, weekly: 4, monthly: 6 } } });
    expect(patchFromOptions({ retries: '2', daily: '04:00' })(existing)).toEqual({ retries: 2, when: { daily: '04:00' } });
  });
});
