#!/usr/bin/env node
// The CLI is compiled TypeScript; `npm install` builds it through the `prepare` script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/electron/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('lifeboat: the CLI is not built yet; run `npm install` (or `npm run build:node`) in the checkout first.\n');
  process.exit(1);
}
await import(entry.href);
