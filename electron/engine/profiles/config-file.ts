import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_SCHEMA_VERSION, configSchema, emptyConfig, type LifeboatConfig } from '../../../shared/profile.js';
import { LifeboatError } from '../errors.js';

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

/** Reads the config; a missing file is an empty config, a damaged one is an error (never a reset). */
export async function readConfig(env: NodeJS.ProcessEnv = process.env): Promise<LifeboatConfig> {
  const file = configFilePath(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyConfig();
    throw new LifeboatError('CONFIG_DAMAGED', `Cannot read the Lifeboat config file ${file}: ${(e as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damaged(file, 'it is not valid JSON');
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > CONFIG_SCHEMA_VERSION) {
    throw new LifeboatError('CONFIG_DAMAGED', `The Lifeboat config file ${file} has schema version ${version}, written by a newer Lifeboat; upgrade Lifeboat to use it (it was left untouched).`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(file, `${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function damaged(file: string, why: string): LifeboatError {
  return new LifeboatError(
    'CONFIG_DAMAGED',
    `The Lifeboat config file ${file} is damaged (${why}); Lifeboat left it untouched. Fix it by hand or move it aside to start with no profiles (secrets stay in the keychain).`,
  );
}

/** Writes the whole config atomically: a temp file in the same folder, fsync, rename, fsync the folder. */
export async function writeConfig(config: LifeboatConfig, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = configFilePath(env);
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.config.json.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const data = `${JSON.stringify(configSchema.parse(config), null, 2)}\n`;
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new LifeboatError('INTERNAL', `Could not save the Lifeboat config file ${file}: ${(e as Error).message}. It was left as it was.`);
  }
  // The rename is durable only once the folder itself is synced (not possible on Windows).
  if (process.platform !== 'win32') {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}

/** Read, change, write: the one way the config changes. */
export async function updateConfig<T>(env: NodeJS.ProcessEnv, change: (c: LifeboatConfig) => T): Promise<T> {
  const config = await readConfig(env);
  const result = change(config);
  await writeConfig(config, env);
  return result;
}
