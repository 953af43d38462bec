// `--jobs N` into a database this run created, from an indexed custom-format backup, with no local
// copy of the archive: pre-data, then N pg_restore workers fed their tables' blocks by ranged reads
// (a worker done while others still load goes on with the indexes and constraints of the tables
// loaded so far), then the rest of post-data with `pg_restore -j N` (parallel-split.ts says why it is
// done this way). The only
// local file is the header and table of contents (a few KiB to MiB), so the free disk needed is that,
// whatever the size of the backup.
//
// Checks: every block is checked against the index as it streams (type, dump id, its chunks ending
// where the index says; encrypted chunks authenticate at their place), and the stored object's size
// and SHA-256 are checked against the manifest by one more sequential read that runs alongside the
// workers. A failure of any of them, of any worker or a cancel kills every pg_restore and rejects:
// the caller drops the database it created, so a wrong or damaged backup leaves nothing behind. A
// block that is not where the index says rejects with IndexMismatch: the caller starts again from
// an empty database along the streaming path.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ArchiveIndex } from '../archive/index-file.js';
import type { MasterKey } from '../crypto/master-key.js';
import type { KeyResolver } from '../crypto/decrypt-stream.js';
import { keychainKeyResolver } from '../profiles/key-store.js';
import type { PgToolCandidate } from '../pg/tool-discovery.js';
import type { BackupSource } from './backup-source.js';
import { openBackupStream } from './backup-stream.js';
import { earlyPostData, splitForParallelRestore, useListText, type DataWorker } from './parallel-split.js';
import { archiveRange } from '../archive/ranged-block.js';
import { IndexMismatch, countingStorage, rangedReadFailure, readCheckedBlock, readCheckedHead } from './ranged-copy.js';
import { runRestoreTool } from './restore-tools.js';
import { writeOrGone } from './straight-restore.js';
import { scratchDir, scratchName } from './scratch-file.js';

export interface ParallelRangedRestore {
  source: BackupSource;
  index: ArchiveIndex;
  jobs: number;
  tool: PgToolCandidate;
  /** Connection arguments and environment of the target database (password in the environment only). */
  connArgs: readonly string[];
  toolEnv: NodeJS.ProcessEnv;
  /** --no-owner, --no-acl as the plan says. */
  archiveArgs: readonly string[];
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  describe: string;
  secrets: readonly (string | null)[];
  what: string;
  /** Bytes downloaded from storage (all reads, including the SHA-256 read). */
  onStoredBytes: (n: number) => void;
  /** Archive bytes handed to pg_restore, of index.archive.bytes: the restore's progress. */
  onRestoredBytes: (n: number) => void;
}

/** The header and TOC, read through the index and checked against it, before anything is created. */
export interface CheckedHead {
  head: Buffer;
}

export async function readHeadForParallelRestore(source: BackupSource, index: ArchiveIndex, env: NodeJS.ProcessEnv, onStoredBytes: (n: number) => void, signal?: AbortSignal, what?: string): Promise<CheckedHead> {
  if (source.encryption?.unavailable) throw source.encryption.unavailable;
  try {
    const { head } = await readCheckedHead(countingStorage(source.storage, onStoredBytes), source.key, index, keychainKeyResolver(env), signal);
    return { head };
  } catch (e) {
    throw rangedReadFailure(e, signal, what);
  }
}

/** Where a worker's input found the index wrong (the caller then takes the streaming path). */
interface FeedFailures {
  mismatch: IndexMismatch | null;
}

/**
 * A worker's stdin: the header and TOC, then each of its blocks read by range and checked. When
 * pg_restore stops reading (it failed), the block under way is still read to its end and checked:
 * a block that is not what the index says is the index's fault, whoever noticed first.
 */
function workerInput(run: ParallelRangedRestore, head: Buffer, worker: DataWorker, resolveKey: KeyResolver, signal: AbortSignal, failures: FeedFailures): PassThrough {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const storage = countingStorage(run.source.storage, run.onStoredBytes);
  let gone = false;
  const produce = async (): Promise<void> => {
    gone = !(await writeOrGone(out, head));
    for (const block of worker.blocks) {
      if (gone) return;
      await readCheckedBlock(archiveRange(storage, run.source.key, run.index, block, resolveKey, signal), block, run.index.archive, async (piece) => {
        if (gone) return;
        gone = !(await writeOrGone(out, piece));
        if (!gone) run.onRestoredBytes(piece.length);
      });
    }
    out.end();
  };
  produce().catch((e: unknown) => {
    const failure = rangedReadFailure(e, signal, run.what);
    if (failure instanceof IndexMismatch) failures.mismatch ??= failure;
    if (!out.destroyed) out.destroy(failure);
  });
  return out;
}

/** The keychain asked once per key for the whole run, not once per block. */
function onceResolver(resolve: KeyResolver): KeyResolver {
  const seen = new Map<string, Promise<MasterKey | null>>();
  return (keyId) => {
    let key = seen.get(keyId);
    if (!key) {
      key = Promise.resolve(resolve(keyId));
      seen.set(keyId, key);
    }
    return key;
  };
}

/** Reads the whole stored object once more, in order, to check its size and SHA-256 against the manifest. */
async function checkStoredSha256(run: ParallelRangedRestore, signal: AbortSignal): Promise<void> {
  const { stream } = await openBackupStream(run.source, { gunzip: false, stored: true, signal, onBytes: run.onStoredBytes });
  stream.resume();
  await finished(stream);
}

/**
 * Runs every task; the first failure aborts the others (killing their pg_restore) and is the one
 * reported, once every task has ended.
 */
async function allOrNothing(tasks: ((signal: AbortSignal) => Promise<unknown>)[], outer: AbortSignal | undefined): Promise<void> {
  const inner = new AbortController();
  const onOuter = (): void => inner.abort();
  outer?.addEventListener('abort', onOuter, { once: true });
  if (outer?.aborted) inner.abort();
  let first: unknown = null;
  try {
    const settled = await Promise.allSettled(
      tasks.map((t) =>
        t(inner.signal).catch((e: unknown) => {
          if (first === null) first = e;
          inner.abort();
          throw e;
        }),
      ),
    );
    if (settled.some((s) => s.status === 'rejected')) throw first;
  } finally {
    outer?.removeEventListener('abort', onOuter);
  }
}

export async function restoreInParallelFromIndex(run: ParallelRangedRestore, checked: CheckedHead): Promise<void> {
  const dir = scratchDir(run.env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files: string[] = [];
  const scratch = async (ext: string, content: string | Buffer): Promise<string> => {
    const file = path.join(dir, scratchName('toc', ext));
    files.push(file);
    await writeFile(file, content, { mode: 0o600, flag: 'wx' });
    return file;
  };
  const split = splitForParallelRestore(run.index, run.jobs);
  const common = ['--no-password', '--exit-on-error', ...run.connArgs, ...run.archiveArgs];
  const pgRestore = (args: string[], signal: AbortSignal | undefined, input?: PassThrough): Promise<string> =>
    runRestoreTool({ tool: run.tool, args: [...common, ...args], env: run.toolEnv, input, signal, describe: run.describe, secrets: run.secrets, what: run.what });
  try {
    // Header + TOC: pg_restore reads only these for entries without data.
    const tocFile = await scratch('.dump', checked.head);
    if (split.pre.length > 0) await pgRestore([`--use-list=${await scratch('.list', useListText(split.pre))}`, tocFile], run.signal);
    const lists = await Promise.all(split.workers.map((w) => scratch('.list', useListText(w.ids))));
    const failures: FeedFailures = { mismatch: null };
    const resolveKey = onceResolver(keychainKeyResolver(run.env));
    run.onRestoredBytes(checked.head.length);
    // A worker done while others still load runs the indexes and constraints of the tables loaded so far.
    const loaded = new Set<number>();
    const taken = new Set<number>();
    const ran = new Set<number>();
    let loading = split.workers.length;
    const afterData = async (w: DataWorker, signal: AbortSignal): Promise<void> => {
      for (const b of w.blocks) loaded.add(b.dumpId);
      loading -= 1;
      if (loading === 0) return;
      const ids = earlyPostData(run.index, split.post, loaded, ran, taken);
      if (ids.length === 0) return;
      for (const id of ids) taken.add(id);
      await pgRestore([`--use-list=${await scratch('.list', useListText(ids))}`, tocFile], signal);
      for (const id of ids) ran.add(id);
    };
    await allOrNothing(
      [
        ...split.workers.map((w, i) => async (signal: AbortSignal) => {
          await pgRestore([`--use-list=${lists[i] as string}`], signal, workerInput(run, checked.head, w, resolveKey, signal, failures));
          await afterData(w, signal);
        }),
        (signal: AbortSignal) => checkStoredSha256(run, signal),
      ],
      run.signal,
    ).catch((e: unknown) => {
      throw run.signal?.aborted ? e : (failures.mismatch ?? e);
    });
    const post = split.post.filter((id) => !ran.has(id));
    if (post.length > 0) await pgRestore([`--jobs=${run.jobs}`, `--use-list=${await scratch('.list', useListText(post))}`, tocFile], run.signal);
  } finally {
    await Promise.all(files.map((f) => rm(f, { force: true })));
  }
}
