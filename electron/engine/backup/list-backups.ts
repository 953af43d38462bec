import { compareNewestFirst, type BackupEntry } from '../../../shared/backup-entry.js';
import { CLAIM_SUFFIX, COPIES_SUFFIX, MANIFEST_SUFFIX, VERIFY_SUFFIX, backupKeyProblem, copiesKeyFor, manifestKeyFor, parseBackupKey } from '../../../shared/backup-key.js';
import { parseCopiesRecord, placesHolding, type CopiesRecord } from '../../../shared/copies.js';
import { parseManifestText, type BackupManifest, type ManifestRead } from '../../../shared/manifest.js';
import { LifeboatError } from '../errors.js';
import type { BackupStorage } from '../storage/storage.js';
import type { VerifyRecord } from '../../../shared/verify-record.js';
import { readVerifyRecord } from '../verify/read-verify-record.js';

export interface ListOptions {
  prefix: string;
  /** Only backups of this database (matched against the manifest's name and the key's name). */
  dbName?: string | undefined;
  /**
   * Manifests already read, by backup key and the manifest object's size and date. A manifest
   * only changes when it is rewritten, so a long-running app lists 10,000 backups without
   * re-reading 10,000 manifests every time.
   */
  manifestCache?: Map<string, ManifestCacheEntry> | undefined;
  /** Read the stored verification records too (the app's calendar shows them), cached the same way. */
  verifications?: Map<string, { stamp: string; record: VerifyRecord | null }> | undefined;
  /** Copies records already read, cached the same way. */
  copyRecords?: Map<string, { stamp: string; record: CopiesRecord | null }> | undefined;
}

export interface ManifestCacheEntry {
  stamp: string;
  read: ManifestRead;
}

/**
 * Reads and validates the manifest beside `key`. `listed`: the listing showed one, so its absence
 * now means it could not be read (not that there is none).
 */
export async function loadManifest(storage: BackupStorage, key: string, listed = false): Promise<ManifestRead> {
  const text = await storage.getSmall(manifestKeyFor(key));
  if (text === null) return listed ? { status: 'unreadable', problem: 'its manifest was listed but could not be read' } : { status: 'missing' };
  return parseManifestText(text, key);
}

/**
 * The manifest of a backup about to be used (restore, extract, verify, pin), or null when it has
 * none (other tools' backups). A manifest that is damaged or newer than this version is refused:
 * treating it as absent would turn off the size and SHA-256 checks it exists for.
 */
export async function readManifest(storage: BackupStorage, key: string): Promise<BackupManifest | null> {
  const r = await loadManifest(storage, key);
  if (r.status === 'ok') return r.manifest;
  if (r.status === 'missing') return null;
  if (r.status === 'newer-format') {
    throw new LifeboatError('MANIFEST_NEWER', `Backup ${key} cannot be used by this Lifeboat because ${r.problem}.`);
  }
  throw new LifeboatError('MANIFEST_DAMAGED', `Backup ${key} is refused because ${r.problem}; its integrity cannot be checked (retention keeps it; inspect or remove its .manifest.json by hand).`);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

/**
 * Every backup under the prefix, newest first: Lifeboat's own (with manifests) and those other
 * tools wrote in the seed's layout (no manifest, e.g. celebra_capital_20230515_031012.sql.gz).
 */
export async function listBackups(storage: BackupStorage, opts: ListOptions): Promise<BackupEntry[]> {
  const objects = new Map<string, number>();
  const manifests = new Map<string, string>();
  const verifies = new Map<string, string>();
  const claimed = new Set<string>();
  const copyRecords = new Map<string, string>();
  for await (const o of storage.list(`${opts.prefix}/`)) {
    // A listing is untrusted too: a key outside the prefix (or one that could climb out) is ignored.
    if (backupKeyProblem(o.key, opts.prefix) !== null) continue;
    if (o.key.endsWith(MANIFEST_SUFFIX)) manifests.set(o.key.slice(0, -MANIFEST_SUFFIX.length), `${o.size}@${o.lastModified.getTime()}`);
    else if (o.key.endsWith(VERIFY_SUFFIX)) verifies.set(o.key.slice(0, -VERIFY_SUFFIX.length), `${o.size}@${o.lastModified.getTime()}`);
    else if (o.key.endsWith(CLAIM_SUFFIX)) claimed.add(o.key.slice(0, -CLAIM_SUFFIX.length));
    else if (o.key.endsWith(COPIES_SUFFIX)) copyRecords.set(o.key.slice(0, -COPIES_SUFFIX.length), `${o.size}@${o.lastModified.getTime()}`);
    else objects.set(o.key, o.size);
  }
  // An object under a claim and without a manifest is a backup still running or killed before its
  // manifest: not a backup to restore, count or keep (listInterruptedBackups reports it).
  for (const key of claimed) if (!manifests.has(key)) objects.delete(key);
  const cache = opts.manifestCache;
  const manifestOf = async (key: string): Promise<ManifestRead> => {
    const stamp = manifests.get(key);
    if (stamp === undefined) return { status: 'missing' };
    const hit = cache?.get(key);
    if (hit && hit.stamp === stamp) return hit.read;
    const read = await loadManifest(storage, key, true);
    cache?.set(key, { stamp, read });
    return read;
  };
  const verifyCache = opts.verifications;
  const verificationOf = async (key: string): Promise<BackupEntry['verification']> => {
    const stamp = verifies.get(key);
    if (!verifyCache || stamp === undefined) return null;
    let hit = verifyCache.get(key);
    if (!hit || hit.stamp !== stamp) {
      hit = { stamp, record: await readVerifyRecord(storage, key) };
      verifyCache.set(key, hit);
    }
    const r = hit.record;
    return r ? { outcome: r.outcome, verifiedAt: r.verifiedAt, depth: r.depth, problem: r.problem, drill: r.drill ? { recoveryMs: r.drill.recoveryMs, overTarget: r.drill.overTarget } : null } : null;
  };
  const copyCache = opts.copyRecords;
  const copiesOf = async (key: string): Promise<CopiesRecord | null> => {
    const stamp = copyRecords.get(key);
    if (stamp === undefined) return null;
    const hit = copyCache?.get(key);
    if (hit && hit.stamp === stamp) return hit.record;
    // Only a figure for the listing: an unreadable record counts as no copies known, never an error.
    const text = await storage.getSmall(copiesKeyFor(key)).catch(() => null);
    const record = text === null ? null : parseCopiesRecord(text, key);
    copyCache?.set(key, { stamp, record });
    return record;
  };
  const parsed = [...objects.keys()].map((k) => parseBackupKey(k)).filter((p) => p !== null);
  const entries = await mapLimit(parsed, 16, async (p): Promise<BackupEntry> => {
    const read = await manifestOf(p.key);
    const manifest = read.status === 'ok' ? read.manifest : null;
    const verification = await verificationOf(p.key);
    const copies = manifest ? await copiesOf(p.key) : null;
    return {
      key: p.key,
      dbName: manifest?.database ?? p.dbName,
      createdAt: p.createdAt.toISOString(),
      format: p.format,
      encrypted: p.encrypted,
      sizeBytes: objects.get(p.key) ?? 0,
      hasManifest: manifest !== null,
      label: manifest?.label ?? null,
      pinned: manifest?.pinned ?? false,
      sha256: manifest?.sha256 ?? null,
      manifestProblem: read.status === 'ok' || read.status === 'missing' ? null : read.problem,
      copies: placesHolding(copies),
      copiesFailed: copies?.copies.filter((c) => c.status === 'failed').map((c) => c.storage) ?? [],
      ...(verifyCache ? { verification } : {}),
      ...(manifest?.group ? { group: manifest.group } : {}),
    };
  });
  const wanted = opts.dbName;
  return entries
    .filter((e) => wanted === undefined || e.dbName === wanted || parseBackupKey(e.key)?.dbName === wanted)
    .sort(compareNewestFirst);
}
