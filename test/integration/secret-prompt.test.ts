// On a terminal, secrets are asked for without echo. `script` gives the CLI a real pseudo-terminal;
// whatever the terminal would display comes back as output, so an echoed secret would show.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecoveryKey, generateMasterKey } from '../../electron/engine/crypto/master-key.js';
import { freshMachine, readKeychainEntry } from '../support/keychain.js';

const bin = path.resolve(import.meta.dirname, '../../bin/lifeboat.js');

function onTerminal(args: string[], env: NodeJS.ProcessEnv, answers: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let answered = 0;
  child.stdout.on('data', (d: Buffer) => {
    screen += d.toString();
    // Type each answer only once its prompt is shown (the terminal is in no-echo mode by then).
    while (answered < answers.length && (screen.match(/(password|key|secret)[^:\n]*: /gi)?.length ?? 0) > answered) {
      child.stdin.write(`${answers[answered]}\r`);
      answered++;
    }
  });
  return new Promise((resolve) => child.on('close', (code) => {
    child.stdin.destroy();
    resolve({ code, screen });
  }));
}

describe('secrets typed on a terminal', () => {
  it('are read without echo (key import, and a profile password)', async () => {
    const env = await freshMachine();
    const key = generateMasterKey();
    const recovery = encodeRecoveryKey(key);
    const r = await onTerminal(['key', 'import'], env, [recovery]);
    expect(r.screen).toContain('Recovery key: ');
    expect(r.screen).toContain(key.id);
    expect(r.screen).not.toContain(recovery.slice(5, 30));
    expect(r.code).toBe(0);

    const p = await onTerminal(['profile', 'add', 'typed', '--db', 'postgresql://app@h/db', '--password-stdin'], env, ['typed-Secret-42']);
    expect(p.screen).toContain('Database password: ');
    expect(p.screen).not.toContain('typed-Secret-42');
    expect(p.code).toBe(0);
    expect(await readKeychainEntry(env, 'profile/typed/db-password')).toBe('typed-Secret-42');
  });
});
