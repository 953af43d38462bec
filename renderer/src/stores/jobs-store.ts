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

export function runningJobs(jobs: Record<string, JobView>): JobView[] {
  return Object.values(jobs).filter((j) => j.state === 'running').sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
}

export function recentJobs(jobs: Record<string, JobView>): JobView[] {
  return Object.values(jobs).filter((j) => j.state !== 'running').sort((a, b) => ((a.finishedAt ?? '') < (b.finishedAt ?? '') ? 1 : -1));
}
