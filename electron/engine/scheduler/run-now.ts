import { automationConfigPath, findSchedule, loadAutomationConfig } from './automation-config.js';
import type { Clock } from './clock.js';
import { createSchedulerHost } from './scheduler-host.js';
import type { RunResult, SchedulerEvent } from './scheduler.js';

export interface RunNowOptions {
  env: NodeJS.ProcessEnv;
  pgBinDir?: string | undefined;
  clock?: Clock;
  onEvent?: ((e: SchedulerEvent) => void) | undefined;
}

/**
 * One run of a schedule, now, outside any long-running scheduler (`lifeboat scheduler run-now`):
 * the same host, actions, activity log, state file and notifications as `scheduler run`. `cancel`
 * stops it the way stopping the scheduler would (the backup cleans up after itself).
 */
export async function startRunNow(name: string, opts: RunNowOptions): Promise<{ result: Promise<RunResult>; cancel: () => Promise<void> }> {
  const config = await loadAutomationConfig(automationConfigPath(opts.env));
  const schedule = findSchedule(config, name);
  const { scheduler } = createSchedulerHost({ config, env: opts.env, pgBinDir: opts.pgBinDir, onEvent: opts.onEvent, reports: false, ...(opts.clock ? { clock: opts.clock } : {}) });
  return { result: scheduler.runNow(schedule), cancel: () => scheduler.stop() };
}
