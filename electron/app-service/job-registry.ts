import type { JobKind, JobView } from '../../shared/ipc-contract.js';
import type { JobProgress } from '../../shared/progress.js';
import { LifeboatError } from '../engine/errors.js';
import { newJobId } from '../engine/jobs/job-id.js';
import type { EventSink } from './event-sink.js';
import { toIpcError } from './to-ipc-error.js';

export interface JobContext {
  jobId: string;
  signal: AbortSignal;
  onProgress: (p: JobProgress) => void;
}

export interface JobOutcome {
  resultKey?: string | null;
  resultDatabase?: string | null;
  resultUrl?: string | null;
  resultTemporary?: boolean;
  resultNote?: string | null;
}

interface JobRecord {
  view: JobView;
  controller: AbortController;
  lastProgressAt: number;
  settled: Promise<JobView>;
}

/**
 * Every long operation the UI starts runs here: it gets an id, an AbortController, progress
 * events throttled for the IPC channel (phase changes pass at once), and ends with exactly one
 * `job.finished` event whose state is done, failed or cancelled. Jobs keep running whatever the
 * windows do; the registry remembers the most recent finished ones for the Activity screen.
 */
export class JobRegistry {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly finishedOrder: string[] = [];

  constructor(
    private readonly emit: EventSink,
    private readonly progressIntervalMs = 200,
    private readonly keepFinished = 100,
    /** Secrets the host holds: removed from any failure message before it is sent. */
    private readonly secrets: () => readonly string[] = () => [],
  ) {}

  start(opts: { kind: JobKind; title: string; targetId: string | null }, run: (ctx: JobContext) => Promise<JobOutcome>): JobView {
    const jobId = newJobId(opts.kind);
    const controller = new AbortController();
    const view: JobView = {
      id: jobId,
      kind: opts.kind,
      title: opts.title,
      targetId: opts.targetId,
      state: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress: null,
      error: null,
      resultKey: null,
      resultDatabase: null,
      resultUrl: null,
      resultTemporary: false,
    };
    const record = { view, controller, lastProgressAt: 0 } as JobRecord;
    this.jobs.set(jobId, record);
    this.emit('job.started', { ...view });

    const onProgress = (p: JobProgress): void => {
      if (view.state !== 'running') return;
      const phaseChanged = view.progress?.phase !== p.phase;
      view.progress = { ...p, jobId };
      const now = Date.now();
      if (!phaseChanged && now - record.lastProgressAt < this.progressIntervalMs) return;
      record.lastProgressAt = now;
      this.emit('job.progress', { ...view.progress });
    };

    // Started synchronously, so a Cancel right after start already finds the abort listeners;
    // a job that throws synchronously still ends through the same path.
    let running: Promise<JobOutcome>;
    try {
      running = run({ jobId, signal: controller.signal, onProgress });
    } catch (e) {
      running = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    record.settled = (async () => {
      try {
        const outcome = await running;
        view.state = 'done';
        view.resultKey = outcome.resultKey ?? null;
        view.resultDatabase = outcome.resultDatabase ?? null;
        view.resultUrl = outcome.resultUrl ?? null;
        view.resultTemporary = outcome.resultTemporary ?? false;
        if (outcome.resultNote) view.resultNote = outcome.resultNote;
      } catch (e) {
        if (controller.signal.aborted) {
          view.state = 'cancelled';
        } else {
          view.state = 'failed';
          view.error = toIpcError(e, this.secrets());
        }
      }
      view.finishedAt = new Date().toISOString();
      this.remember(jobId);
      const final = { ...view };
      this.emit('job.finished', final);
      return final;
    })();
    return { ...view };
  }

  /** Asks a running job to stop; true when the job was running. It then ends as cancelled. */
  cancel(jobId: string): boolean {
    const r = this.jobs.get(jobId);
    if (!r) throw new LifeboatError('NOT_FOUND', `There is no job ${jobId}; it may have finished long ago. Refresh the Activity list.`);
    if (r.view.state !== 'running') return false;
    r.controller.abort();
    return true;
  }

  /** Resolves with the final view when the job ends (tests and the tray use it). */
  async settled(jobId: string): Promise<JobView> {
    const r = this.jobs.get(jobId);
    if (!r) throw new LifeboatError('NOT_FOUND', `There is no job ${jobId}.`);
    return r.settled;
  }

  list(): { running: JobView[]; recent: JobView[] } {
    const all = [...this.jobs.values()].map((r) => ({ ...r.view }));
    return {
      running: all.filter((j) => j.state === 'running').sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1)),
      recent: all.filter((j) => j.state !== 'running').sort((a, b) => ((a.finishedAt ?? '') < (b.finishedAt ?? '') ? 1 : -1)),
    };
  }

  runningCount(): number {
    return [...this.jobs.values()].filter((r) => r.view.state === 'running').length;
  }

  /** Cancels everything still running and waits for it to end (app quit, harness shutdown). */
  async shutdown(): Promise<void> {
    const running = [...this.jobs.values()].filter((r) => r.view.state === 'running');
    for (const r of running) r.controller.abort();
    await Promise.all(running.map((r) => r.settled));
  }

  private remember(jobId: string): void {
    this.finishedOrder.push(jobId);
    while (this.finishedOrder.length > this.keepFinished) {
      const old = this.finishedOrder.shift();
      if (old) this.jobs.delete(old);
    }
  }
}
