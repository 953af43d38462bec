// "Only two files touch raw IPC" and "the preload exposes exactly one object" are architecture
// rules; this test keeps them true as the code grows.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../shared/ipc-contract.js';

const root = path.resolve(import.meta.dirname, '../..');

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, dir), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /\.(c?ts|tsx)$/.test(e.name)) out.push(path.relative(root, path.join(e.parentPath, e.name)));
  }
  return out;
}

describe('raw IPC boundary', () => {
  it('only ipc-registration.ts and preload.cts use ipcMain / ipcRenderer', async () => {
    const files = [...(await sources('electron')), ...(await sources('renderer')), ...(await sources('shared'))];
    const touching: string[] = [];
    for (const f of files) if (/\bipc(Main|Renderer)\b/.test(await readFile(path.join(root, f), 'utf8'))) touching.push(f);
    expect(touching.sort()).toEqual(['electron/main/ipc-registration.ts', 'electron/preload/preload.cts']);
  });

  it('the preload exposes exactly one object, window.lifeboat, on the contract’s channels', async () => {
    const preload = await readFile(path.join(root, 'electron/preload/preload.cts'), 'utf8');
    const exposed = [...preload.matchAll(/exposeInMainWorld\('([^']+)'/g)].map((m) => m[1]);
    expect(exposed).toEqual(['lifeboat']);
    expect(preload).toContain(`'${IPC_CALL_CHANNEL}'`);
    expect(preload).toContain(`'${IPC_EVENT_CHANNEL}'`);
    expect(preload).toContain('satisfies LifeboatBridge');
  });
});
