// The most disk a run's scratch folder held at once: allocated blocks (a sparse file counts only
// what was written), sampled every 20 ms while the run lasts.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

async function allocatedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const s = await stat(path.join(dir, name)).catch(() => null);
    if (s?.isFile()) total += s.blocks * 512;
  }
  return total;
}

export async function withDiskPeak<T>(dir: string, run: () => Promise<T>): Promise<{ result: T; peakBytes: number }> {
  let peak = 0;
  let sampling = true;
  const sampler = (async (): Promise<void> => {
    while (sampling) {
      peak = Math.max(peak, await allocatedBytes(dir));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { result: await run(), peakBytes: peak };
  } finally {
    sampling = false;
    await sampler;
  }
}
