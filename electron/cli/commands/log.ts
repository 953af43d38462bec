import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { ACTIVITY_KINDS, ACTIVITY_OUTCOMES, type ActivityEntry, type ActivityKind, type ActivityOutcome } from '../../../shared/activity.js';
import { formatBytes } from '../../../shared/progress.js';
import { ActivityLog } from '../../engine/activity/activity-log.js';
import { LifeboatError } from '../../engine/errors.js';
import { parseSince } from '../since.js';
import { printJson } from '../output.js';

interface LogOptions {
  profile?: string;
  kind?: string;
  outcome?: string;
  since?: string;
  limit?: string;
  json?: boolean;
  export?: string;
}

function line(e: ActivityEntry): string {
  const when = e.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const bytes = e.bytes !== null ? ` ${formatBytes(e.bytes)}` : '';
  const err = e.error ? ` — ${e.error.message}` : '';
  return `${when}  ${e.kind.padEnd(12)} ${e.outcome.padEnd(9)} ${(e.profile ?? '-').padEnd(12)} ${e.summary}${bytes}${e.key ? ` ${e.key}` : ''}${err}`;
}

export function registerLog(program: Command): void {
  program
    .command('log')
    .description('Show the activity log (every backup, prune, verification, scheduler decision and notification)')
    .option('--profile <name>', 'only this profile or schedule')
    .option('--kind <kind>', `only this kind: ${ACTIVITY_KINDS.join(', ')}`)
    .option('--outcome <outcome>', `only this outcome: ${ACTIVITY_OUTCOMES.join(', ')}`)
    .option('--since <when>', 'only entries since a date (2026-11-01) or a duration (7d, 12h)')
    .option('--limit <n>', 'only the newest N entries')
    .option('--json', 'print a JSON array')
    .option('--export <file>', 'write the matching entries to a JSON-lines file')
    .action(async (o: LogOptions) => {
      if (o.kind && !ACTIVITY_KINDS.includes(o.kind as ActivityKind)) throw new LifeboatError('BAD_INPUT', `Unknown kind "${o.kind}"; use one of ${ACTIVITY_KINDS.join(', ')}.`);
      if (o.outcome && !ACTIVITY_OUTCOMES.includes(o.outcome as ActivityOutcome)) throw new LifeboatError('BAD_INPUT', `Unknown outcome "${o.outcome}"; use one of ${ACTIVITY_OUTCOMES.join(', ')}.`);
      if (o.limit !== undefined && !/^\d+$/.test(o.limit)) throw new LifeboatError('BAD_INPUT', `--limit must be a whole number, not "${o.limit}".`);
      let entries = await ActivityLog.forEnv().read({ profile: o.profile, kind: o.kind as ActivityKind | undefined, outcome: o.outcome as ActivityOutcome | undefined, since: o.since ? parseSince(o.since, new Date()) : undefined });
      if (o.limit !== undefined) entries = entries.slice(-Number(o.limit));
      if (o.export) {
        await writeFile(o.export, entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''), { mode: 0o600 });
        process.stdout.write(`Exported ${entries.length} entries to ${o.export}.\n`);
        return;
      }
      if (o.json) printJson(entries);
      else if (entries.length === 0) process.stdout.write('No activity matches.\n');
      else process.stdout.write(`${entries.map(line).join('\n')}\n`);
    });
}
