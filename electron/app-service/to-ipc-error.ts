import { withAppHint } from '../../shared/error-hint.js';
import type { IpcError } from '../../shared/ipc-contract.js';
import { isLifeboatError } from '../engine/errors.js';
import { scrubSecrets } from '../engine/redact.js';

/**
 * Every failure crosses to the UI as a value with a stable code and one sentence. LifeboatErrors
 * say what to do, with the hint rendered in the app's words (and kept as data for buttons); anything else is a bug, reported plainly and with URLs' passwords removed.
 */
export function toIpcError(e: unknown, secrets: readonly (string | null | undefined)[] = []): IpcError {
  // The app's own words for the way out (a field, a button), never the CLI's flags.
  if (isLifeboatError(e)) return { code: e.code, message: scrubSecrets(withAppHint(e.message, e.hint), secrets), ...(e.hint ? { hint: e.hint } : {}) };
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: 'INTERNAL',
    message: `Something unexpected went wrong: ${scrubSecrets(message, secrets)}. Try again; if it keeps happening, report it with this message.`,
  };
}
