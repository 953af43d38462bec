import os from 'node:os';
import path from 'node:path';
import { CONFIG_SCHEMA_VERSION, configSchema, emptyConfig, type LifeboatConfig } from '../../../shared/profile.js';
import { JsonStateFile } from '../state/json-state-file.js';

/**
 * The config file: LIFEBOAT_HOME/config.json when LIFEBOAT_HOME is set (like everything else
 * Lifeboat keeps), otherwise the OS's per-user config folder.
 */
export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIFEBOAT_HOME) return path.join(path.resolve(env.LIFEBOAT_HOME), 'config.json');
  const home = env.HOME || os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Lifeboat', 'config.json');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Lifeboat', 'config.json');
    default:
      return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'lifeboat', 'config.json');
  }
}

function configStateFile(env: NodeJS.ProcessEnv): JsonStateFile<typeof configSchema> {
  return new JsonStateFile({
    file: configFilePath(env),
    schema: configSchema,
    empty: emptyConfig,
    what: 'the Lifeboat config file',
    consequence: 'Moving it aside starts with no profiles (secrets stay in the keychain).',
    version: { field: 'schemaVersion', current: CONFIG_SCHEMA_VERSION },
  });
}

/** Reads the config; a missing file is an empty config, a damaged one is an error (never a reset). */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Promise<LifeboatConfig> {
  return configStateFile(env).read();
}

/** Writes the whole config atomically (see JsonStateFile). */
export function writeConfig(config: LifeboatConfig, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return configStateFile(env).write(config);
}

/** Read, change, write under the state lock: the one way the config changes. */
export function updateConfig<T>(env: NodeJS.ProcessEnv, change: (c: LifeboatConfig) => T): Promise<T> {
  return configStateFile(env).update(change);
}
