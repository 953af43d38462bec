// The storage contract on the two backends that need no server: memory and a local folder.
// (S3 on Ceph RGW runs the same suite in test/integration/s3-storage-contract.test.ts.)
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { FileStorage } from '../../electron/engine/storage/file-storage.js';
import { MemoryStorage } from '../../electron/engine/storage/memory-storage.js';
import { describeStorageContract } from '../support/storage-conformance.js';

describeStorageContract('memory', {
  open: () => {
    const storage = new MemoryStorage();
    return Promise.resolve({ storage, leaveIncomplete: (key) => Promise.resolve(void storage.leaveIncomplete(key)) });
  },
});

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

describeStorageContract('local folder', {
  open: async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-contract-'));
    folders.push(root);
    const storage = new FileStorage({ kind: 'file', root, prefix: 'p' });
    return {
      storage,
      // What a killed process leaves: the hidden partial file beside the key it was meant for.
      async leaveIncomplete(key) {
        const dir = path.join(root, ...key.split('/').slice(0, -1));
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, `.lifeboat-partial-0a1b2c3d4e5f-${key.split('/').pop() ?? ''}`), 'half a dump');
      },
    };
  },
});
