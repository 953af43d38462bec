import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFilePath, readConfig, updateConfig, writeConfig } from '../../electron/engine/profiles/config-file.js';
import { emptyConfig } from '../../shared/profile.js';

const tmp = (): Promise<string> => mkdtemp(path.join(os.tmpdir(), 'lifeboat-config-'));

describe('config file', () => {
  it('lives under LIFEBOAT_HOME when set, else the per-user config folder', () => {
    expect(configFilePath({ LIFEBOAT_HOME: '/srv/lb' })).toBe('/srv/lb/config.json');
    if (process.platform === 'linux') {
      expect(configFilePath({ HOME: '/home/ana', XDG_CONFIG_HOME: '/home/ana/.cfg' })).toBe('/home/ana/.cfg/lifeboat/config.json');
      expect(configFilePath({ HOME: '/home/ana' })).toBe('/home/ana/.config/lifeboat/config.json');
    }
  });

  it('reads a missing file as empty, writes atomically (0600, no temp files) and reads back', async () => {
    const env = { LIFEBOAT_HOME: path.join(await tmp(), 'home') };
    expect(await readConfig(env)).toEqual(emptyConfig());
    for (let i = 0; i < 5; i++) {
      await updateConfig(env, (c) => c.keys.push({ id: `lbk_${String(i).padStart(16, '0')}`, label: null, createdAt: 'now' }));
    }
    expect((await readConfig(env)).keys).toHaveLength(5);
    expect(await readdir(env.LIFEBOAT_HOME)).toEqual(['config.json']);
    expect((await stat(configFilePath(env))).mode & 0o777).toBe(0o600);
  });

  it('refuses to write an invalid config (the schema is checked on the way out too)', async () => {
    const env = { LIFEBOAT_HOME: await tmp() };
    const bad = { ...emptyConfig(), profiles: [{ name: '../x' }] } as unknown as ReturnType<typeof emptyConfig>;
    await expect(writeConfig(bad, env)).rejects.toThrow();
    expect(await readdir(env.LIFEBOAT_HOME)).toEqual([]);
  });

  it('reports damage with the path and leaves the file as it was', async () => {
    const env = { LIFEBOAT_HOME: await tmp() };
    const file = configFilePath(env);
    await writeFile(file, '{"schemaVersion":1,"profiles":[],"keys":[{"id":1}]}');
    await expect(readConfig(env)).rejects.toMatchObject({ code: 'STATE_DAMAGED', message: expect.stringContaining(`${file} is damaged (keys.0.id: `) });
    await expect(updateConfig(env, () => undefined)).rejects.toMatchObject({ code: 'STATE_DAMAGED' });
    expect(await readFile(file, 'utf8')).toBe('{"schemaVersion":1,"profiles":[],"keys":[{"id":1}]}');
  });
});
