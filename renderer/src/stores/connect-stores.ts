import { setClient, type LifeboatClient } from '../api/client.js';
import { useBackups } from './backups-store.js';
import { useAppInfo } from './app-info-store.js';
import { useJobs } from './jobs-store.js';
import { useSchedules } from './schedules-store.js';
import { useTargets } from './targets-store.js';

/**
 * Subscribes the stores to the engine's events, once, outside any component, and loads the
 * first state. Returns the function that unsubscribes everything (tests call it).
 */
export function connectStores(c: LifeboatClient): () => void {
  setClient(c);
  const offs = [
    c.on('job.started', (job) => useJobs.getState().upsert(job)),
    c.on('job.progress', (p) => useJobs.getState().progress(p)),
    c.on('job.finished', (job) => useJobs.getState().upsert(job)),
    c.on('targets.changed', ({ targets }) => useTargets.getState().replace(targets)),
    c.on('schedules.changed', ({ schedules }) => useSchedules.getState().replace(schedules)),
    c.on('backups.changed', ({ targetId }) => {
      // Only lists someone has looked at are refreshed.
      if (useBackups.getState().byTarget[targetId]) void useBackups.getState().load(targetId);
    }),
  ];
  void useAppInfo.getState().load();
  void useTargets.getState().load();
  void useSchedules.getState().load();
  void useJobs.getState().load().catch(() => undefined);
  return () => {
    for (const off of offs) off();
  };
}
