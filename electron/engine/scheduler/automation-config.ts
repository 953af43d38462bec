import path from 'node:path';
import { automationConfigSchema, type AutomationConfig, type Schedule } from '../../../shared/schedule.js';
import { LifeboatError } from '../errors.js';
import { lifeboatHome } from '../paths.js';
import { JsonStateFile } from '../state/json-state-file.js';

export function automationConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(lifeboatHome(env), 'automation.json');
}

export function automationStateFile(file: string): JsonStateFile<typeof automationConfigSchema> {
  return new JsonStateFile({
    file,
    schema: automationConfigSchema,
    empty: () => automationConfigSchema.parse({ version: 1 }),
    what: 'the automation settings file',
    consequence: 'Moving it aside starts with no schedules and no notification channels.',
    version: { field: 'version', current: 1 },
  });
}

/** A missing file is no schedules; a damaged or invalid one is a STATE_DAMAGED error, never a reset. */
export function loadAutomationConfig(file: string): Promise<AutomationConfig> {
  return automationStateFile(file).read();
}

/** Writes atomically and owner-only; prefer updateAutomationConfig for read-modify-write. */
export function saveAutomationConfig(file: string, config: AutomationConfig): Promise<void> {
  return automationStateFile(file).write(config);
}

/** Read, change, write with no other writer (the app, another CLI) in between. */
export function updateAutomationConfig<T>(file: string, change: (c: AutomationConfig) => T | Promise<T>): Promise<T> {
  return automationStateFile(file).update(change);
}

export function findSchedule(config: AutomationConfig, name: string): Schedule {
  const s = config.schedules.find((x) => x.name === name);
  if (!s) throw noSuchSchedule(name, config.schedules);
  return s;
}

export function noSuchSchedule(name: string, schedules: readonly Schedule[]): LifeboatError {
  const names = schedules.map((x) => x.name);
  return new LifeboatError('NOT_FOUND', `There is no schedule named "${name}"${names.length ? ` (there are: ${names.join(', ')})` : ''}; add one with \`lifeboat scheduler add\`.`);
}

/** Passwords belong in PGPASSWORD, ~/.pgpass or the keychain, never in a settings file. */
export function assertNoSecretInUrl(url: string | null, what: string): void {
  if (!url) return;
  let hasPassword = false;
  try {
    const u = new URL(url);
    hasPassword = u.password !== '' || u.searchParams.has('password');
  } catch {
    hasPassword = /:\/\/[^/@:]*:[^@]*@/.test(url);
  }
  if (hasPassword) {
    throw new LifeboatError('BAD_INPUT', `The ${what} holds a password; schedules are stored in a file, so give the URL without it and provide the password through PGPASSWORD or ~/.pgpass.`);
  }
}
