// pg_dump's output read into one reused buffer (jobs/borrowed-output.ts), with a real child process:
// every byte arrives in order, a consumer that stops early ends the child, and a tool that cannot
// start ends the output instead of hanging it.
import { mkdir, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBorrowedOutput } from '../../electron/engine/jobs/borrowed-output.js';
import { spawnTool } from '../../electron/engine/jobs/child-process.js';

/** A child that writes `mib` MiB of a known pattern (byte i is i % 251) to its stdout. */
const WRITER = `const b = Buffer.alloc(1 << 20); for (let i = 0; i < b.length; i++) b[i] = i % 251;
let left = Number(process.argv[1]); const go = () => { while (left > 0) { left--; if (!process.stdout.write(b)) return process.stdout.once('drain', go); } }; go();`;

describe('a child output read into one reused buffer', () => {
  it('hands over every byte in order, each chunk a view of the same small buffer', async () => {
    const out = await openBorrowedOutput(64 * 1024);
    const tool = spawnTool(process.execPath, ['-e', WRITER, '8'], process.env, { stdout: out.childEnd });
    out.handedOver();
    const buffers = new Set<ArrayBuffer>();
    let total = 0;
    let wrong = 0;
    for await (const chunk of out.chunks) {
      buffers.add(chunk.buffer as ArrayBuffer);
      expect(chunk.length).toBeLessThanOrEqual(64 * 1024);
      for (let i = 0; i < chunk.length; i++) if (chunk[i] !== ((total + i) % (1 << 20)) % 251) wrong++;
      total += chunk.length;
    }
    expect(wrong).toBe(0);
    expect(total).toBe(8 * 1024 * 1024);
    expect(buffers.size).toBe(1);
    expect((await tool.exited).code).toBe(0);
  });

  it('ends the child when the consumer stops early (it writes into a closed socket)', async () => {
    const out = await openBorrowedOutput();
    const tool = spawnTool(process.execPath, ['-e', WRITER, '1024'], process.env, { stdout: out.childEnd });
    out.handedOver();
    for await (const chunk of out.chunks) {
      expect(chunk.length).toBeGreaterThan(0);
      break; // as a pipeline does when the storage fails: return() closes our end
    }
    const r = await tool.exited;
    expect(r.code !== 0 || r.signal !== null).toBe(true);
  });

  it('fails, leaving nothing behind, where no socket can be made (a temp folder too deep for a socket path): the backup then keeps the pipe', async () => {
    const deep = path.join(os.tmpdir(), `lifeboat-deep-${process.pid}-${'x'.repeat(120)}`);
    await mkdir(deep, { recursive: true });
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = deep;
    try {
      await expect(openBorrowedOutput()).rejects.toThrow();
      expect(await readdir(deep)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(deep, { recursive: true, force: true });
    }
  });

  it('ends the output when the tool cannot start', async () => {
    const out = await openBorrowedOutput();
    const tool = spawnTool('/nonexistent/pg_dump', [], process.env, { stdout: out.childEnd });
    out.handedOver();
    const chunks: Buffer[] = [];
    for await (const chunk of out.chunks) chunks.push(Buffer.from(chunk));
    expect(chunks).toEqual([]);
    expect((await tool.exited).spawnError).not.toBeNull();
  });
});
