import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { claimKeyFor, manifestKeyFor } from '../../../shared/backup-key.js';
import { LifeboatError, throwIfAborted } from '../errors.js';
import { honoursCreateOnly, tryCreate } from '../storage/create-only.js';
import type { BackupStorage } from '../storage/storage.js';

export { forgetConditionalWriteSupport } from '../storage/create-only.js';

/**
 * Why claims: keys have one-second resolution and the layout is fixed (the seed's scripts read it),
 * so any number of processes on any number of machines may want the same key in the same second.
 * A HEAD-then-write check loses races, and RGW ignores If-None-Match on CompleteMultipartUpload,
 * so the data upload itself cannot be made create-only everywhere. Instead each backup first
 * writes a small `<key>.claim` object create-only (PutObject with If-None-Match: *; link(2) in a
 * folder): exactly one process wins a key. The winner then checks the key is really free (a seed
 * script or an older Lifeboat writes no claim), uploads, writes the manifest create-only, and only
 * then removes its claim. Losers take the next second. Clean-up never deletes a key whose claim it
 * does not hold. A claim left by a killed process is swept by `lifeboat prune` after a day.
 */
export interface KeyClaim {
  key: string;
  /** The second the key names (the requested start, or a later free second). */
  keyTime: Date;
  /**
   * False when the storage ignored the create-only write (it let us write the claim twice): the
   * claim was then only checked by reading it back, which narrows but does not close the race.
   */
  enforced: boolean;
  /** True while the claim object still holds our token. */
  isStillOurs(): Promise<boolean>;
  /** Removes the claim if it is still ours. */
  release(): Promise<void>;
}

export interface ClaimOptions {
  /** The key for a given second. */
  keyFor: (at: Date) => string;
  startedAt: Date;
  signal?: AbortSignal | undefined;
  /** How many consecutive seconds to try (default 300: three hundred backups of one database in one second). */
  maxSeconds?: number;
}

export async function claimBackupKey(storage: BackupStorage, opts: ClaimOptions): Promise<KeyClaim> {
  const token = randomBytes(16).toString('hex');
  const body = `${JSON.stringify({ claim: 'lifeboat-backup', token, host: os.hostname(), pid: process.pid, claimedAt: new Date().toISOString() })}\n`;
  const maxSeconds = opts.maxSeconds ?? 300;
  for (let i = 0; i < maxSeconds; i++) {
    throwIfAborted(opts.signal, 'The backup');
    const keyTime = new Date(opts.startedAt.getTime() + i * 1000);
    const key = opts.keyFor(keyTime);
    const claimKey = claimKeyFor(key);
    if (!(await tryCreate(storage, claimKey, body, opts.signal))) continue;

    const enforced = await honoursCreateOnly(storage, claimKey, body, opts.signal);
    const isStillOurs = async (): Promise<boolean> => ((await storage.getSmall(claimKey)) ?? '').includes(token);
    const release = async (): Promise<void> => {
      if (enforced || (await isStillOurs())) await storage.delete([claimKey]);
    };
    if (!enforced && !(await isStillOurs())) continue;
    // A backup another tool wrote (the seed's scripts, an older Lifeboat) has no claim: never overwrite it.
    if ((await storage.head(key)) || (await storage.head(manifestKeyFor(key)))) {
      await release();
      continue;
    }
    return { key, keyTime, enforced, isStillOurs, release };
  }
  throw new LifeboatError(
    'KEY_EXISTS',
    `Every key from ${opts.keyFor(opts.startedAt)} on for the next ${maxSeconds} seconds is taken by other backups of this database; Lifeboat never overwrites a backup. Try again later.`,
  );
}
