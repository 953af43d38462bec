import { describe, expect, it } from 'vitest';
import type { EventName, EventPayloads } from '../../shared/ipc-contract.js';
import { JobRegistry } from '../../electron/app-service/job-registry.js';
import { LifeboatError } from '../../electron/engine/errors.js';

function recorder() {
  const events: { name: EventName; payload: unknown }[] = [];
  const emit = <E extends EventName>(name: E, payload: EventPayloads[E]) => void events.push({ name, payload });
  return { events, emit, names: () => events.map((e) => e.name) };
}

describe('job registry', () => {
  it('ends a successful job with exactly one done event carrying its result', async () => {
    const r = recorder();
    const jobs = new JobRegistry(r.emit);
    const job = jobs.start({ kind: 'backup', title: 'Back up shop', targetId: 't' }, () => Promise.resolve({ resultKey: 'k1' }));
    const final = await jobs.settled(job.id);
    expect(final).toMatchObject({ state: 'done', resultKey: 'k1', error: null });
    expect(r.names()).toEqual(['job.started', 'job.finished']);
    expect(jobs.list()).toMatchObject({ running: [], recent: [{ id: job.id, state: 'done' }] });
  });

  it('reports a failure as a value with the engine’s code and sentence', async () => {
    const r = recorder();
    const jobs = new JobRegistry(r.emit);
    const job = jobs.start({ kind: 'backup', title: 't', targetId: null }, () => Promise.reject(new LifeboatError('PG_UNREACHABLE', 'Cannot reach db:5432; check the host.')));
    expect(await jobs.settled(job.id)).toMatchObject({ state: 'failed', error: { code: 'PG_UNREACHABLE', message: 'Cannot reach db:5432; check the host.' } });
  });

  it('cancels through the AbortSignal and ends as cancelled, never failed', async () => {
    const r = recorder();
    const jobs = new JobRegistry(r.emit);
    const job = jobs.start({ kind: 'backup', title: 't', targetId: null }, ({ signal }) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('pipe closed')))),
    );
    expect(jobs.cancel(job.id)).toBe(true);
    expect(await jobs.settled(job.id)).toMatchObject({ state: 'cancelled', error: null });
    expect(jobs.cancel(job.id)).toBe(false);
    expect(r.names().filter((n) => n === 'job.finished')).toHaveLength(1);
  });

  it('throttles progress, lets phase changes through, and sends none after the end', async () => {
    const r = recorder();
    const jobs = new JobRegistry(r.emit, 10_000);
    let report: ((phase: string, bytes: number) => void) | null = null;
    let finish: () => void = () => undefined;
    const job = jobs.start({ kind: 'backup', title: 't', targetId: null }, ({ onProgress, jobId }) => {
      report = (phase, bytes) => onProgress({ jobId, phase, bytes, rate: 0, elapsedMs: 0, totalBytes: null });
      return new Promise((resolve) => (finish = () => resolve({})));
    });
    await Promise.resolve();
    for (let i = 0; i < 100; i++) report!('dumping', i);
    report!('finalizing', 100);
    finish();
    await jobs.settled(job.id);
    report!('dumping', 200);
    const progress = r.events.filter((e) => e.name === 'job.progress').map((e) => e.payload as { phase: string; bytes: number });
    expect(progress).toEqual([expect.objectContaining({ phase: 'dumping', bytes: 0 }), expect.objectContaining({ phase: 'finalizing', bytes: 100 })]);
    expect(r.names().at(-1)).toBe('job.finished');
  });

  it('says plainly when a job id is unknown', () => {
    const jobs = new JobRegistry(() => undefined);
    expect(() => jobs.cancel('nope')).toThrow(/There is no job nope/);
  });
});
