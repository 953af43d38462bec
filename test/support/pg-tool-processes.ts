// The pg_restore and psql processes still running for a restore: a failed, cancelled or killed
// restore must leave none.
import { readFile, readdir } from 'node:fs/promises';

/** pg_restore or psql processes whose command line names this database (a test's unique name). */
export async function pgToolsFor(db: string): Promise<string[]> {
  const out: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (/(?:^|\/)(pg_restore|psql)\0/.test(cmd) && cmd.includes(db)) out.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
  }
  return out;
}
