#!/usr/bin/env node
// The CLI is compiled TypeScript, bundled into one file (see build/rolldown.cli.config.mjs);
// `npm install` builds it through the `prepare` script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/cli/lifeboat.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('lifeboat: the CLI is not built yet; run `npm install` (or `npm run build:node`) in the checkout first.\n');
  process.exit(1);
}
// Stack traces (--verbose) point into the TypeScript sources; only then, as reading maps costs start-up time.
if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);
await import(entry.href);
