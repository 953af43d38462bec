import { backupKeyProblem } from '../../../shared/backup-key.js';
import { LifeboatError } from '../errors.js';

/**
 * The one gate every key from outside passes before it reaches storage (CLI --key, the app's
 * restore, extract, verify and pin, the web bridge): one clear sentence, and nothing touched.
 */
export function checkedBackupKey(key: string, prefix: string): string {
  const problem = backupKeyProblem(key, prefix);
  if (problem !== null) {
    throw new LifeboatError('BAD_KEY', `The backup key ${JSON.stringify(key.slice(0, 200))} is refused because ${problem}.`, { hint: { kind: 'list-backups' } });
  }
  return key;
}
