// Runs a command and measures its wall time and peak RSS (VmHWM from /proc, polled, summed over
// the process and its children, e.g. the CLI plus the pg_dump it spawns are reported separately).
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';

export interface Measurement {
  wallMs: number;
  /** Peak resident set of the top process, in MiB. */
  peakRssMiB: number;
  /** Peak resident set per child command name (pg_dump, gzip…), in MiB. */
  childPeakMiB: Record<string, number>;
  stdout: string;
}

async function hwmKb(pid: number): Promise<{ name: string; kb: number } | null> {
  try {
    const s = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
    const name = /Name:\s+(\S+)/.exec(s)?.[1] ?? '?';
    return { name, kb };
  } catch {
    return null;
  }
}

async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  try {
    for (const t of await readdir(`/proc/${pid}/task`)) {
      const c = await readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '');
      for (const p of c.split(' ').filter(Boolean)) out.push(Number(p));
    }
  } catch {
    /* gone */
  }
  return out;
}

export async function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measurement> {
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peak = 0;
  const childPeak: Record<string, number> = {};
  let polling = true;
  const poll = async (): Promise<void> => {
    while (polling && child.pid) {
      const own = await hwmKb(child.pid);
      if (own) peak = Math.max(peak, own.kb);
      for (const c of await childrenOf(child.pid)) {
        const h = await hwmKb(c);
        if (h) childPeak[h.name] = Math.max(childPeak[h.name] ?? 0, h.kb);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const poller = poll();
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  polling = false;
  await poller;
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`);
  return {
    wallMs,
    peakRssMiB: peak / 1024,
    childPeakMiB: Object.fromEntries(Object.entries(childPeak).map(([k, v]) => [k, v / 1024])),
    stdout,
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
