import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { automationConfigSchema, type AutomationConfig, type Schedule } from '../../../shared/schedule.js';
import { LifeboatError } from '../errors.js';
import { lifeboatHome } from '../paths.js';

export function automationConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(lifeboatHome(env), 'automation.json');
}

export async function loadAutomationConfig(file: string): Promise<AutomationConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return automationConfigSchema.parse({ version: 1 });
    throw e;
  }
  try {
    return automationConfigSchema.parse(JSON.parse(text));
  } catch (e) {
    const why = e instanceof SyntaxError ? e.message : ((e as { issues?: { path: unknown[]; message: string }[] }).issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new LifeboatError('BAD_INPUT', `The automation settings in ${file} are not valid (${why}); fix or remove that file.`);
  }
}

/** Writes atomically (temp file + rename), owner-only. */
export async function saveAutomationConfig(file: string, config: AutomationConfig): Promise<void> {
  const valid = automationConfigSchema.parse(config);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export function findSchedule(config: AutomationConfig, name: string): Schedule {
  const s = config.schedules.find((x) => x.name === name);
  if (!s) {
    const names = config.schedules.map((x) => x.name);
    throw new LifeboatError('NOT_FOUND', `There is no schedule named "${name}"${names.length ? ` (there are: ${names.join(', ')})` : ''}; add one with \`lifeboat scheduler add\`.`);
  }
  return s;
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
