import os from 'node:os';
import path from 'node:path';

/**
 * Everything Lifeboat keeps locally lives under one folder: LIFEBOAT_HOME when set (tests use it
 * to stay out of the real home), otherwise the OS's per-user data folder.
 */
export function lifeboatHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIFEBOAT_HOME) return path.resolve(env.LIFEBOAT_HOME);
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Lifeboat');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Lifeboat');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'lifeboat');
  }
}

/**
 * Caches (facts about this machine that can be rebuilt, like the versions of the PostgreSQL tools)
 * go where the OS keeps caches, apart from the state under lifeboatHome; under LIFEBOAT_HOME/cache
 * when LIFEBOAT_HOME is set, so tests and portable setups keep everything in one folder.
 */
export function lifeboatCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIFEBOAT_HOME) return path.join(path.resolve(env.LIFEBOAT_HOME), 'cache');
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Caches', 'Lifeboat');
    case 'win32':
      return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Lifeboat', 'Cache');
    default:
      return path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'lifeboat');
  }
}

/** The default storage when nothing is configured: a local folder with the bucket layout. */
export function defaultLocalBackupDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(lifeboatHome(env), 'backups');
}
