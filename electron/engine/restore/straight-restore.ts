// A restore into a database this run creates reads the backup straight from storage into pg_restore,
// with no local copy of the archive (README, "--jobs N" and "Restore"):
// - one job: the object streams through the usual pipeline (size and SHA-256 checked against the
//   manifest as the bytes pass, decrypted) into pg_restore's stdin, download and restore overlapping;
// - `--jobs N` with an archive index: parallel-ranged-restore.ts.
// The check then ends with the restore rather than before it: a mismatch, a cut download or any
// failure fails the run and the database it created is dropped, so the target is absent, exactly as
// after any failed restore. Where the target already exists (one transaction over it), with plain
// SQL, a selection of tables, roles to create or keep, a file from disk or no manifest, the backup is
// still downloaded and checked into a local copy before anything is changed.
import { PassThrough } from 'node:stream';
import type { RestoreAction, RestorePlan } from '../../../shared/restore-plan.js';
import type { BackupSource } from './backup-source.js';
import { openBackupStream } from './backup-stream.js';
import { runRestoreTool, type ToolRun } from './restore-tools.js';

/** Whether this restore reads straight from storage (the plan's step says so, and executeRestore does it). */
export function restoresStraightFromStorage(
  source: BackupSource,
  plan: { destination: { action: RestoreAction }; roles?: RestorePlan['roles']; selection: RestorePlan['selection'] },
  opts: { transforms: number; tocFilter: boolean },
): boolean {
  const roles = plan.roles;
  const action = plan.destination.action;
  return (
    source.parsed.format === 'custom' &&
    !source.file &&
    source.manifest !== null &&
    opts.transforms === 0 &&
    !opts.tocFilter &&
    plan.selection.tables.length === 0 &&
    plan.selection.schemas.length === 0 &&
    (action === 'create' || action === 'create-temporary') &&
    !(roles && (roles.keepOwners || roles.keepPrivileges || roles.createMissing))
  );
}

/** Writes a piece, waiting until the stream takes more or is gone (its reader died): false when gone. */
export async function writeOrGone(out: PassThrough, piece: Buffer): Promise<boolean> {
  if (out.destroyed) return false;
  if (out.write(piece)) return true;
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      resolve(!out.destroyed);
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

/**
 * One pg_restore reading the stored object on its stdin as it downloads (checked, decrypted). The
 * object is read to its end even when pg_restore needs no more (its last block may end before the
 * stream does), so its size and SHA-256 are always checked before the restore counts as done.
 */
export async function streamIntoPgRestore(source: BackupSource, run: Omit<ToolRun, 'input'>, onBytes: (n: number) => void): Promise<void> {
  const { stream } = await openBackupStream(source, { gunzip: false, signal: run.signal, onBytes });
  const toTool = new PassThrough({ highWaterMark: 1024 * 1024 });
  let gone = false;
  const pump = (async (): Promise<void> => {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!gone) gone = !(await writeOrGone(toTool, chunk));
    }
    toTool.end();
  })();
  // A failing download (integrity, storage, decryption) fails pg_restore's input: runRestoreTool kills it.
  void pump.catch((e: unknown) => toTool.destroy(e instanceof Error ? e : new Error(String(e))));
  try {
    await runRestoreTool({ ...run, input: toTool });
  } catch (e) {
    stream.destroy();
    await pump.catch(() => undefined);
    throw e;
  }
  await pump;
}
