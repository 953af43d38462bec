import type { Command } from 'commander';
import { formatBytes } from '../../../shared/progress.js';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { testNow } from '../test-clock.js';
import { LifeboatError } from '../../engine/errors.js';
import { runLoggedPrune } from '../../engine/retention/logged-prune.js';
import type { PruneResult } from '../../engine/retention/prune.js';
import { resolvePrune } from '../../engine/retention/resolve-prune.js';
import { errorForLog } from '../../engine/activity/activity-log.js';
import { describeTarget } from '../../engine/storage/target.js';
import { printJson } from '../output.js';

interface PruneOptions {
  to?: string;
  profile?: string;
  keepDays?: string;
  keepLast?: string;
  gfsDaily?: string;
  gfsWeekly?: string;
  gfsMonthly?: string;
  dryRun?: boolean;
  json?: boolean;
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new LifeboatError('BAD_INPUT', `${flag} must be a whole number, not "${value}".`);
  return Number(value);
}

function printPlan(r: PruneResult): void {
  const out: string[] = [];
  const p = r.plan.policy;
  out.push(`Retention for ${r.storage}: keep ${p.keepDays} days, at least the newest ${p.keepLast}${p.gfs ? `, GFS ${p.gfs.daily} daily / ${p.gfs.weekly} weekly / ${p.gfs.monthly} monthly` : ''}; pinned backups are always kept.`);
  for (const b of r.plan.backups) {
    out.push(`${b.action === 'keep' ? 'KEEP  ' : 'DELETE'}  ${b.key}  ${formatBytes(b.sizeBytes)}  ${b.explanation}`);
  }
  for (const o of r.orphans) out.push(`ORPHAN  ${o}  sidecar without its backup${r.dryRun ? '' : ', deleted'}`);
  const inc = r.incompleteUploads;
  if (!inc.supported) out.push(`Note: ${inc.note ?? 'incomplete uploads could not be listed.'}`);
  for (const u of inc.found) out.push(`INCOMPLETE  ${u.key}  started ${u.startedAt}${r.dryRun ? '' : ', aborted'}`);
  if (inc.note && inc.supported) out.push(`Note: ${inc.note}`);
  for (const c of r.staleClaims) out.push(`INTERRUPTED  ${c}  claim of a backup that never finished${r.dryRun ? '' : ', removed with anything it left at its key'}`);
  const verb = r.dryRun ? 'Would delete' : 'Deleted';
  out.push(`${verb} ${r.plan.delete} backup(s) (${formatBytes(r.plan.bytesFreed)}), kept ${r.plan.keep}.${r.dryRun ? ' Dry run: nothing was changed.' : ''}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('Apply the retention policy: delete old backups (with manifests and verify records), orphans and stale incomplete uploads')
    .option('--to <storage-url>', 's3://bucket[/prefix] or file:///folder (default: BACKUP_S3_BUCKET, else the local folder)')
    .option('--profile <name>', "a profile's storage (and the retention policy of its schedule), or a schedule by name")
    .option('--keep-days <n>', 'keep everything newer than N days (default 30, or BACKUP_RETENTION_DAYS)')
    .option('--keep-last <n>', 'always keep the newest N successful backups of each database (default 3)')
    .option('--gfs-daily <n>', 'also keep the newest backup of each of the last N days')
    .option('--gfs-weekly <n>', 'also keep the newest backup of each of the last N weeks')
    .option('--gfs-monthly <n>', 'also keep the newest backup of each of the last N months')
    .option('--dry-run', 'show the plan, change nothing')
    .option('--json', 'print the plan and what was done as JSON')
    .action(async (opts: PruneOptions) => {
      const overrides = {
        keepDays: wholeNumber(opts.keepDays, '--keep-days'),
        keepLast: wholeNumber(opts.keepLast, '--keep-last'),
        gfsDaily: wholeNumber(opts.gfsDaily, '--gfs-daily'),
        gfsWeekly: wholeNumber(opts.gfsWeekly, '--gfs-weekly'),
        gfsMonthly: wholeNumber(opts.gfsMonthly, '--gfs-monthly'),
      };
      if (opts.to && opts.profile) throw new LifeboatError('BAD_INPUT', 'Give either --to or --profile, not both.');
      const { target, copies, policy, profile } = await resolvePrune({ to: opts.to, profile: opts.profile, overrides }, process.env);
      // The profile's storage first, then each copy destination, each planned from its own listing:
      // a copy that cannot be listed stops only its own prune (never a delete there), not the others.
      const results: PruneResult[] = [];
      let firstError: unknown = null;
      for (const t of [target, ...copies]) {
        try {
          results.push(await runLoggedPrune(t, policy, { dryRun: opts.dryRun ?? false, profile, log: ActivityLog.forEnv(), ...(testNow() ? { now: testNow() } : {}) }));
        } catch (e) {
          if (copies.length === 0) throw e;
          firstError ??= e;
          process.stderr.write(`lifeboat: retention in ${describeTarget(t)} stopped before deleting anything there: ${errorForLog(e).message}\n`);
        }
      }
      // One object as before without copies; an array, one per place, with them.
      if (opts.json) printJson(copies.length === 0 ? results[0] : results);
      else results.forEach(printPlan);
      if (firstError) process.exitCode = 1;
    });
}
