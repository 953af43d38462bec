import { keySafeDatabaseName, MANIFEST_SUFFIX, normalizePrefix, parseBackupKey, type BackupFormat } from '../../../shared/backup-key.js';
import type { BackupStorage } from '../storage/storage.js';

const DAY_MS = 86_400_000;

export interface PreviousBackupQuery {
  prefix: string;
  dbName: string;
  format: BackupFormat;
  encrypted: boolean;
  /** The new backup's start: only older backups count. */
  before: Date;
  /** How many day folders to look back through (keys are <prefix>/YYYY/MM/DD/…). */
  days?: number;
}

/**
 * The stored size of the newest complete backup of the same database, format and encryption, so
 * a running backup can say "about 40%, about 3 min left". Walks the day folders back from today
 * (one small listing each) rather than listing the whole bucket; null when none is found.
 */
export async function previousBackupSize(storage: BackupStorage, q: PreviousBackupQuery, signal?: AbortSignal): Promise<number | null> {
  const safeName = keySafeDatabaseName(q.dbName);
  const prefix = normalizePrefix(q.prefix);
  for (let i = 0; i < (q.days ?? 14); i++) {
    if (signal?.aborted) return null;
    const d = new Date(q.before.getTime() - i * DAY_MS);
    const folder = `${prefix ? `${prefix}/` : ''}${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/`;
    const sizes = new Map<string, number>();
    const manifests = new Set<string>();
    for await (const o of storage.list(folder)) {
      if (o.key.endsWith(MANIFEST_SUFFIX)) manifests.add(o.key.slice(0, -MANIFEST_SUFFIX.length));
      else sizes.set(o.key, o.size);
    }
    let best: { at: number; size: number } | null = null;
    for (const [key, size] of sizes) {
      // Only finished backups (their manifest is written last) of the same kind are a fair guide.
      if (!manifests.has(key)) continue;
      const p = parseBackupKey(key);
      if (!p || p.dbName !== safeName || p.format !== q.format || p.encrypted !== q.encrypted) continue;
      const at = p.createdAt.getTime();
      if (at >= q.before.getTime()) continue;
      if (!best || at > best.at) best = { at, size };
    }
    if (best) return best.size;
  }
  return null;
}
