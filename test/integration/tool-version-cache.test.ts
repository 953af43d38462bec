// Tool discovery runs `--version` on each PostgreSQL tool it finds once per machine, not once per
// command: the versions are cached by real path, size, modification time and inode. Real pg_dump 15,
// wrapped in a script that counts how often it is asked for its version; each discovery runs in its
// own Node process, as each CLI command does.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG15_BIN } from '../support/rich-database.js';

const execFileAsync = promisify(execFile);
const discovery = path.resolve(import.meta.dirname, '../../dist/electron/engine/pg/tool-discovery.js');

let dir: string;
let bin: string;
let counter: string;
let env: NodeJS.ProcessEnv;

/** discoverTool('pg_dump') in a new process: what it found. */
async function discoverInNewProcess(): Promise<{ path: string; version: string }[]> {
  const script = `const m = await import(${JSON.stringify(discovery)}); process.stdout.write(JSON.stringify(await m.discoverTool('pg_dump', { binDir: process.env.TEST_BIN })));`;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { env });
  return JSON.parse(stdout) as { path: string; version: string }[];
}

async function versionProbes(): Promise<number> {
  return (await readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-tool-cache-'));
  bin = path.join(dir, 'bin');
  counter = path.join(dir, 'probes.txt');
  await mkdir(bin);
  await writeFile(path.join(bin, 'pg_dump'), `#!/bin/sh\n[ "$1" = "--version" ] && echo probe >> '${counter}'\nexec '${PG15_BIN}/pg_dump' "$@"\n`);
  await chmod(path.join(bin, 'pg_dump'), 0o755);
  // The same folder reached through a link, as /bin and /usr/bin are on merged-/usr systems.
  await symlink(bin, path.join(dir, 'linked-bin'));
  env = { ...process.env, LIFEBOAT_HOME: path.join(dir, 'home'), TEST_BIN: bin, PATH: `${path.join(dir, 'linked-bin')}:/usr/bin:/bin` };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the tool version cache', () => {
  it('probes a tool once, then answers from the cache; a changed file or a damaged cache means one more probe', async () => {
    const first = await discoverInNewProcess();
    expect(first[0]).toMatchObject({ path: path.join(bin, 'pg_dump'), version: expect.stringMatching(/^15\.\d+$/) as unknown });
    // One probe although the folder is on PATH twice (once through the link).
    expect(await versionProbes()).toBe(1);
    const cacheFile = path.join(dir, 'home', 'cache', 'tool-versions.json');
    const cache = JSON.parse(await readFile(cacheFile, 'utf8')) as { tools: Record<string, { version: string }> };
    expect(cache.tools[path.join(bin, 'pg_dump')]?.version).toBe(first[0]?.version);
    // Debian's Perl wrapper (/usr/bin/pg_dump) is never probed: it runs one of the folders probed anyway.
    expect(Object.keys(cache.tools).some((p) => p.includes('postgresql-common'))).toBe(false);

    expect(await discoverInNewProcess()).toEqual(first);
    expect(await versionProbes()).toBe(1);

    // Replaced or touched: probed again.
    await utimes(path.join(bin, 'pg_dump'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await discoverInNewProcess()).toEqual(first);
    expect(await versionProbes()).toBe(2);

    // A damaged cache is only a cache: ignored, probed again, rewritten.
    await writeFile(cacheFile, '{"formatVersion": 1, "tools": ');
    expect(await discoverInNewProcess()).toEqual(first);
    expect(await versionProbes()).toBe(3);
    expect(JSON.parse(await readFile(cacheFile, 'utf8'))).toMatchObject({ formatVersion: 1 });
    expect(await discoverInNewProcess()).toEqual(first);
    expect(await versionProbes()).toBe(3);
  });
});
