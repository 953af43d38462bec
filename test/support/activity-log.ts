// The activity log a CLI run left in its LIFEBOAT_HOME, one entry per line (empty when there is none yet).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ActivityEntry } from '../../shared/activity.js';

export async function readActivityLog(home: { LIFEBOAT_HOME: string }): Promise<ActivityEntry[]> {
  try {
    const text = await readFile(path.join(home.LIFEBOAT_HOME, 'activity', 'activity.jsonl'), 'utf8');
    return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ActivityEntry);
  } catch {
    return [];
  }
}
