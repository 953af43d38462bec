import { CLAIM_SUFFIX, manifestKeyFor } from '../../../shared/backup-key.js';
import type { InterruptedBackup } from '../../../shared/backup-entry.js';
import type { BackupStorage, StoredObject } from '../storage/storage.js';

export interface InterruptedBackups {
  /** False when the storage cannot list incomplete uploads (claims are still listed). */
  uploadsListed: boolean;
  backups: InterruptedBackup[];
}

/**
 * Backups that started and have not finished: an incomplete upload (a multipart upload, a partial
 * file) or a claim whose manifest was never written. Each is either still running or was killed
 * (`kill -9`, a power cut); Lifeboat cannot tell which, so both are reported, and `prune` removes
 * those older than a day. One entry per key, started at the earliest sign of it.
 */
export async function listInterruptedBackups(storage: BackupStorage, prefix: string, objects?: readonly StoredObject[]): Promise<InterruptedBackups> {
  const base = `${prefix}/`;
  const listed = objects ?? (await collect(storage.list(base)));
  const present = new Set(listed.map((o) => o.key));
  const byKey = new Map<string, InterruptedBackup>();
  const add = (key: string, startedAt: string, what: InterruptedBackup['evidence'][number]): void => {
    const had = byKey.get(key);
    if (!had) byKey.set(key, { key, startedAt, evidence: [what] });
    else {
      if (startedAt < had.startedAt) had.startedAt = startedAt;
      if (!had.evidence.includes(what)) had.evidence.push(what);
    }
  };
  for (const o of listed) {
    if (!o.key.endsWith(CLAIM_SUFFIX)) continue;
    const key = o.key.slice(0, -CLAIM_SUFFIX.length);
    if (!present.has(manifestKeyFor(key))) add(key, o.lastModified.toISOString(), present.has(key) ? 'object without manifest' : 'claim');
  }
  const uploads = await storage.listIncompleteUploads(base);
  for (const u of uploads.uploads) add(u.key, u.startedAt, 'incomplete upload');
  return { uploadsListed: uploads.supported, backups: [...byKey.values()].sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1)) };
}

async function collect(it: AsyncIterable<StoredObject>): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  for await (const o of it) out.push(o);
  return out;
}

/** "1 interrupted backup (an incomplete upload), started 2026-11-30 12:00:00Z; …", or null when there is none. */
export function describeInterruptedBackups(backups: readonly InterruptedBackup[]): string | null {
  if (backups.length === 0) return null;
  const first = backups.map((b) => b.startedAt).sort()[0] ?? '';
  const uploads = backups.filter((b) => b.evidence.includes('incomplete upload')).length;
  const many = backups.length > 1;
  const what =
    uploads === backups.length
      ? `${backups.length} incomplete upload${many ? 's' : ''} from ${many ? 'interrupted backups' : 'an interrupted backup'}`
      : `${backups.length} interrupted backup${many ? 's' : ''}`;
  return `${what} (or still running), ${many ? 'the oldest ' : ''}started ${first.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}; \`lifeboat prune\` removes them once they are older than a day.`;
}
