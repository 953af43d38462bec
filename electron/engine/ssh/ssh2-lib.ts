// ssh2 is loaded the first time SSH is used, not when Lifeboat starts: with its crypto dependencies
// it cost every command ~80 ms and ~13 MiB at start-up (measured: `node -e "require('ssh2')"`
// against `node -e 0`), and most commands never open a tunnel. A synchronous require keeps the
// callers (key checks inside form validation) synchronous.
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

const requireFromHere = createRequire(import.meta.url);
let loaded: typeof Ssh2 | undefined;

export function ssh2(): typeof Ssh2 {
  loaded ??= requireFromHere('ssh2') as typeof Ssh2;
  return loaded;
}
