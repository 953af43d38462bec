import { create } from 'zustand';
import type { CallRequest, JobView } from '../../../shared/ipc-contract.js';
import type { JobProgress } from '../../../shared/progress.js';
import { client } from '../api/client.js';

interface JobsState {
  jobs: Record<string, JobView>;
  /** The last backup started from the Backup now screen, per target. */
  lastStarted: Record<string, string>;
  load: () => Promise<void>;
  startBackup: (request: CallRequest<'backup.start'>) => Promise<JobView>;
  /** Remembers a job started by a screen (restore wizard, partial recovery) under that screen's slot. */
  track: (slot: string, job: JobView) => void;
  /** Starts a restore from the restore wizard of its target (its slot: restoreSlot(targetId)). */
  startRestore: (request: CallRequest<'restore.start'>) => Promise<JobView>;
  /** Restores picked tables into a temporary database for partial recovery (slot: extractSlot(targetId)). */
  prepareExtract: (request: CallRequest<'extract.prepare'>) => Promise<JobView>;
  /** Verifies one backup (slot: verifySlot(key)). */
  verify: (request: CallRequest<'backup.verify'>) => Promise<JobView>;
  /** Lets a screen start over: its slot no longer points at the job (the job stays in Activity). */
  forget: (slot: string) => void;
  cancel: (jobId: string) => Promise<void>;
  upsert: (job: JobView) => void;
  progress: (p: JobProgress) => void;
}

export const useJobs = create<JobsState>()((set, get) => ({
  jobs: {},
  lastStarted: {},
  async load() {
    const { running, recent } = await client().call('jobs.list', {});
    const jobs: Record<string, JobView> = {};
    for (const j of [...recent, ...running]) jobs[j.id] = j;
    // Events that arrived meanwhile are newer than the listing.
    set({ jobs: { ...jobs, ...get().jobs } });
  },
  async startBackup(request) {
    const job = await client().call('backup.start', request);
    // The started event may already have arrived: keep whichever is further along.
    if (!get().jobs[job.id]) get().upsert(job);
    set({ lastStarted: { ...get().lastStarted, [request.targetId]: job.id } });
    return job;
  },
  track(slot, job) {
    if (!get().jobs[job.id]) get().upsert(job);
    set({ lastStarted: { ...get().lastStarted, [slot]: job.id } });
  },
  async startRestore(request) {
    const job = await client().call('restore.start', request);
    get().track(restoreSlot(request.targetId), job);
    return job;
  },
  async prepareExtract(request) {
    const job = await client().call('extract.prepare', request);
    get().track(extractSlot(request.targetId), job);
    return job;
  },
  async verify(request) {
    const job = await client().call('backup.verify', request);
    get().track(verifySlot(request.key), job);
    return job;
  },
  forget(slot) {
    if (!(slot in get().lastStarted)) return;
    const next = { ...get().lastStarted };
    delete next[slot];
    set({ lastStarted: next });
  },
  async cancel(jobId) {
    await client().call('jobs.cancel', { jobId });
  },
  upsert(job) {
    const existing = get().jobs[job.id];
    // A finished job never goes back to running (events may arrive out of order with listings).
    if (existing && existing.state !== 'running' && job.state === 'running') return;
    set({ jobs: { ...get().jobs, [job.id]: job } });
  },
  progress(p) {
    const job = get().jobs[p.jobId];
    if (!job || job.state !== 'running') return;
    set({ jobs: { ...get().jobs, [p.jobId]: { ...job, progress: p } } });
  },
}));

export const restoreSlot = (targetId: string): string => `restore:${targetId}`;
export const extractSlot = (targetId: string): string => `extract:${targetId}`;
export const verifySlot = (key: string): string => `verify:${key}`;

/** The job last started under a screen's slot, if any. */
export function jobInSlot(s: Pick<JobsState, 'jobs' | 'lastStarted'>, slot: string): JobView | undefined {
  const id = s.lastStarted[slot];
  return id ? s.jobs[id] : undefined;
}

/**
 * A backup's verification job as the backup table shows it: '' (none), 'running', or 'failed:<why>'.
 * A string, so a table selecting it per row re-renders when a verification changes state, not on
 * every progress tick of any job.
 */
export function verifyStatus(s: Pick<JobsState, 'jobs' | 'lastStarted'>, key: string): string {
  const job = jobInSlot(s, verifySlot(key));
  if (job?.state === 'running') return 'running';
  if (job?.state === 'failed') return `failed:${job.error?.message ?? ''}`;
  return '';
}

/**
 * The start times of a target's failed backups (the calendar marks their days). Selected with
 * useShallow: the same list while only progress changes, so the calendar does not re-render on ticks.
 */
export function failedBackupStarts(s: Pick<JobsState, 'jobs'>, targetId: string): string[] {
  const out: string[] = [];
  for (const j of Object.values(s.jobs)) if (j.targetId === targetId && j.kind === 'backup' && j.state === 'failed') out.push(j.startedAt);
  return out.sort();
}

export function runningJobs(jobs: Record<string, JobView>): JobView[] {
  return Object.values(jobs).filter((j) => j.state === 'running').sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
}

export function recentJobs(jobs: Record<string, JobView>): JobView[] {
  return Object.values(jobs).filter((j) => j.state !== 'running').sort((a, b) => ((a.finishedAt ?? '') < (b.finishedAt ?? '') ? 1 : -1));
}
