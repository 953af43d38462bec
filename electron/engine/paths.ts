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

/** The default storage when nothing is configured: a local folder with the bucket layout. */
export function defaultLocalBackupDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(lifeboatHome(env), 'backups');
}
