// The packaged shell itself, where an Electron binary exists (a developer machine with internet).
// Here the binary cannot be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD=1), so this says why it skips.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../support/cli.js';

const root = path.resolve(import.meta.dirname, '../..');

function electronBinary(): string | null {
  const pathFile = path.join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = path.join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const binary = electronBinary();
const reason = 'no Electron binary is installed (npm ci ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or its download was blocked)';
if (!binary) console.info(`electron smoke test skipped: ${reason}`);

describe.skipIf(!binary)(`Electron shell smoke test${binary ? '' : ` (skipped: ${reason})`}`, () => {
  it('opens one hardened window whose page sees window.lifeboat and no Node', async () => {
    const home = await tempHome();
    const app = await electron.launch({
      executablePath: binary!,
      args: [root, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      env: { ...process.env, ...home },
    });
    try {
      const page = await app.firstWindow();
      await page.getByRole('heading', { name: 'Welcome to Lifeboat' }).waitFor();
      const globals = await page.evaluate(() => ({
        lifeboat: Object.keys((window as unknown as { lifeboat?: object }).lifeboat ?? {}).sort(),
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      }));
      expect(globals).toEqual({ lifeboat: ['invoke', 'subscribe'], require: 'undefined', process: 'undefined' });
      const info = await page.evaluate(async () => (window as unknown as { lifeboat: { invoke: (n: string, r: object) => Promise<unknown> } }).lifeboat.invoke('app.info', {}));
      expect(info).toMatchObject({ ok: true, value: { shell: 'electron' } });
      expect(app.windows()).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
