// Runs the real `lifeboat` CLI (the built bin, as a user would) and captures what it prints.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '../../bin/lifeboat.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** A fresh LIFEBOAT_HOME (and HOME) so nothing a test does lands in the real home. */
export async function tempHome(): Promise<{ LIFEBOAT_HOME: string; HOME: string; XDG_CONFIG_HOME: string; XDG_DATA_HOME: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-home-'));
  return {
    LIFEBOAT_HOME: path.join(dir, 'lifeboat'),
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, '.config'),
    XDG_DATA_HOME: path.join(dir, '.local', 'share'),
  };
}
