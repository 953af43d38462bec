import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** Lifeboat's own version, recorded in every manifest. */
export function lifeboatVersion(): string {
  if (cached) return cached;
  try {
    // dist/electron/engine/version.js -> package.json three levels up; src runs (vitest) are two up.
    for (const rel of ['../../../package.json', '../../package.json']) {
      try {
        const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'lifeboat' && pkg.version) return (cached = pkg.version);
      } catch {
        /* try the next location */
      }
    }
  } catch {
    /* fall through */
  }
  return (cached = '0.0.0');
}
