import { useEffect } from 'react';
import { parseBackupKey } from '../../../../shared/backup-key.js';
import type { JobView } from '../../../../shared/ipc-contract.js';
import { ymOf } from '../../lib/calendar.js';
import { useJobs } from '../../stores/jobs-store.js';
import { useNav } from '../../stores/nav-store.js';
import { useTargets } from '../../stores/targets-store.js';
import { useToasts, type Toast, type ToastAction } from './toast-store.js';

const KIND_WORDS: Record<string, string> = { backup: 'Backup', restore: 'Restore', verify: 'Verification', extract: 'Partial recovery' };

/** Opens the calendar on the day of a backup (the day in its key, UTC, as the calendar files it). */
export function showOnCalendar(job: JobView): void {
  const nav = useNav.getState();
  if (job.targetId) useTargets.getState().select(job.targetId);
  const day = (job.resultKey ? parseBackupKey(job.resultKey)?.createdAt.toISOString() : null) ?? job.startedAt;
  nav.showMonth(ymOf(day));
  nav.selectDay(day.slice(0, 10));
  nav.setView('month');
  nav.go('calendar');
}

function copy(text: string): ToastAction['run'] {
  return () => {
    void navigator.clipboard?.writeText(text).catch(() => undefined);
  };
}

/** What to say when a job ends, and the action that naturally follows. */
export function toastFor(job: JobView): Omit<Toast, 'id'> | null {
  const kind = KIND_WORDS[job.kind] ?? job.kind;
  if (job.state === 'failed') {
    return { tone: 'error', title: `${kind} failed`, text: job.error?.message ?? job.title, actions: [{ label: 'Show in Activity', run: () => useNav.getState().go('activity') }] };
  }
  if (job.state === 'cancelled') return { tone: 'warn', title: `${kind} cancelled`, text: `${job.title}: nothing was kept.`, actions: [] };
  if (job.state !== 'done') return null;
  if (job.kind === 'backup' || job.kind === 'verify') {
    const actions: ToastAction[] = [{ label: 'Show on calendar', run: () => showOnCalendar(job) }];
    if (job.resultKey) actions.push({ label: 'Copy key', run: copy(job.resultKey) });
    return { tone: 'ok', title: job.kind === 'backup' ? 'Backup finished' : 'Verification passed', text: job.resultKey ?? job.title, actions };
  }
  const actions: ToastAction[] = job.resultUrl ? [{ label: 'Copy URL', run: copy(job.resultUrl) }] : [];
  return { tone: 'ok', title: `${kind} finished`, text: job.resultDatabase ? `Into ${job.resultTemporary ? 'the temporary database' : 'database'} “${job.resultDatabase}”.` : job.title, actions };
}

/** Shows a toast whenever a job this window saw running ends. */
export function useJobToasts(): void {
  useEffect(
    () =>
      useJobs.subscribe((state, prev) => {
        for (const [id, job] of Object.entries(state.jobs)) {
          if (prev.jobs[id]?.state !== 'running' || job.state === 'running') continue;
          const t = toastFor(job);
          if (t) useToasts.getState().show(t);
        }
      }),
    [],
  );
}
