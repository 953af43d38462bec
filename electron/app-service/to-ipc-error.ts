import type { IpcError } from '../../shared/ipc-contract.js';
import { isLifeboatError } from '../engine/errors.js';
import { scrubSecrets } from '../engine/redact.js';

/**
 * Every failure crosses to the UI as a value with a stable code and one sentence. LifeboatErrors
 * already say what to do; anything else is a bug, reported plainly and with URLs' passwords removed.
 */
export function toIpcError(e: unknown, secrets: readonly (string | null | undefined)[] = []): IpcError {
  if (isLifeboatError(e)) return { code: e.code, message: scrubSecrets(e.message, secrets) };
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: 'INTERNAL',
    message: `Something unexpected went wrong: ${scrubSecrets(message, secrets)}. Try again; if it keeps happening, report it with this message.`,
  };
}
