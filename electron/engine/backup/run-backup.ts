import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { buildBackupKey, indexKeyFor, manifestKeyFor } from '../../../shared/backup-key.js';
import { buildIndex, serializeIndex, type ArchiveIndex } from '../archive/index-file.js';
import { buildPlainIndex, type PlainIndex } from '../archive/plain-index.js';
import { countsFromScan, plainTableStats, type TappedDump } from '../archive/stream-counts.js';
import { scanArchive } from '../archive/scan-archive.js';
import { StreamTap } from '../archive/stream-tap.js';
import { MANIFEST_FORMAT_VERSION, type BackupManifest, type TableCount } from '../../../shared/manifest.js';
import { chooseCompression, compressionRecord, compressionStage, pgDumpCompressArgs, pgDumpMajorNeeded, type CompressionChoice } from '../compress/backup-compression.js';
import type { CompressPool } from '../compress/compress-pool.js';
import { createEncryptStream } from '../crypto/encrypt-stream.js';
import { ALGORITHM_NAME } from '../crypto/format.js';
import { LifeboatError, cancelledError, throwIfAborted } from '../errors.js';
import { borrowedOutputWorks, openBorrowedOutput } from '../jobs/borrowed-output.js';
import { spawnTool, type RunningTool } from '../jobs/child-process.js';
import { newJobId } from '../jobs/job-id.js';
import { trackPendingCleanup } from '../jobs/pending-cleanup.js';
import { ProgressReporter } from '../jobs/progress-reporter.js';
import { asPgConnection, pgToolConnection, type PgConnection } from '../pg/connection.js';
import { withTunnel } from '../ssh/with-tunnel.js';
import { exportSnapshot, type ExportedSnapshot } from '../pg/consistent-snapshot.js';
import { connectClient, readServerInfo, type ServerInfo } from '../pg/server-info.js';
import { chooseTool, discoverTool, noSuitableToolMessage, toolTooOldMessage, type PgToolCandidate } from '../pg/tool-discovery.js';
import { scrubSecrets } from '../redact.js';
import { openStorage } from '../storage/open-storage.js';
import { parseStorageTarget, type StorageTarget } from '../storage/target.js';
import { lifeboatVersion } from '../version.js';
import { MAX_LABEL_LENGTH, type BackupRequest, type BackupResult } from './backup-request.js';
import { claimBackupKey, type KeyClaim } from './claim-key.js';
import { putSidecar } from './put-sidecar.js';
import { rolesOfToc } from '../globals/archive-roles.js';
import { tablespacesOfToc } from '../globals/restore-tablespaces.js';
import { checkGlobalsMode, dumpGlobals, type GlobalsDump } from '../globals/dump-globals.js';
import { putGlobals, type GlobalsRecord } from '../globals/globals-sidecar.js';
import { checkCopyTargets } from '../copies/copy-targets.js';
import { copyToDestinations } from '../copies/copy-to-destinations.js';
import { previousBackupSize } from './size-estimate.js';
import { describeDumpFailure } from './dump-failure.js';
import { EndGate, StreamMeter } from './stream-meter.js';

const EXACT_COUNT_LIMIT = 10 * 1024 ** 3;

export function validateLabel(label: string | null | undefined): string | null {
  if (label === undefined || label === null || label === '') return null;
  if (label.length > MAX_LABEL_LENGTH) {
    throw new LifeboatError('BAD_INPUT', `The label is ${label.length} characters long; keep it to ${MAX_LABEL_LENGTH}.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(label)) throw new LifeboatError('BAD_INPUT', 'The label contains control characters; use plain text on one line.');
  return label;
}

export function resolveTarget(to: string | StorageTarget | undefined, env: NodeJS.ProcessEnv): StorageTarget {
  return typeof to === 'object' ? to : parseStorageTarget(to, env);
}

/**
 * The pg_dump for this server; with a compression only newer pg_dumps write (lz4, zstd: 16+), one
 * at least that new. Refused before anything is claimed or dumped, so nothing changes.
 */
export async function selectPgDump(info: ServerInfo, binDir: string | undefined, env: NodeJS.ProcessEnv, compression?: CompressionChoice): Promise<PgToolCandidate> {
  const found = await discoverTool('pg_dump', { binDir, env });
  const tool = chooseTool(found, info.major, binDir);
  if (!tool) {
    throw new LifeboatError('PG_TOOL_MISSING', noSuitableToolMessage('pg_dump', `server version ${info.version}, major`, info.major, found), { hint: { kind: 'choose-pg-bin' } });
  }
  const needed = compression ? pgDumpMajorNeeded(compression) : 0;
  if (tool.major >= needed) return tool;
  const newer = chooseTool(found, Math.max(info.major, needed), binDir);
  if (newer) return newer;
  throw new LifeboatError('PG_TOOL_MISSING', toolTooOldMessage(`Compressing with ${compression?.method ?? ''}`, 'pg_dump', needed, found, 'choose gzip compression'), { hint: { kind: 'choose-pg-bin' } });
}

/**
 * Backs up one database: pg_dump streams through (gzip,) a hashing meter and straight into storage.
 * Nothing reaches the final key unless pg_dump exited 0 and the upload completed, and the manifest
 * is written last. Any failure or cancellation removes everything this run created.
 */
export async function runBackup(req: BackupRequest): Promise<BackupResult> {
  const env = req.env ?? process.env;
  const jobId = req.jobId ?? newJobId('backup');
  const format = req.format ?? 'custom';
  const label = validateLabel(req.label);
  const compression = chooseCompression(format, req.compressLevel, req.compressWorkers, req.compressMethod);
  const progress = new ProgressReporter(jobId, req.onProgress);
  const signal = req.signal;

  const conn = asPgConnection(req.db, env);
  // Through SSH: the whole backup runs against a tunnel that closes when it ends, however it ends.
  if (conn.ssh) return withTunnel(conn, signal, env, (direct) => runBackup({ ...req, db: direct, jobId }));
  const encryption = req.encryption ?? null;
  const target = resolveTarget(req.to, env);
  const globalsMode = req.globals ?? 'no-passwords';
  checkGlobalsMode(globalsMode, encryption !== null);
  const storage = openStorage(target);
  const copyTo = req.copyTo ?? [];
  checkCopyTargets(target, copyTo);

  progress.setPhase('connecting');
  const client = await connectClient(conn);
  let snapshot: ExportedSnapshot | null = null;
  let dump: RunningTool | null = null;
  let compressPool: CompressPool | null = null;
  // What this run wrote and must remove on failure; it holds the key's claim, so nothing here is another run's.
  let createdKey: string | null = null;
  let createdManifest: string | null = null;
  let createdIndex: string | null = null;
  let createdGlobals: string | null = null;
  let claim: KeyClaim | null = null;
  // Ends the look-up of the previous backup's size once this backup is over, however it ends.
  const estimateDone = new AbortController();
  const endEstimate = (): void => estimateDone.abort();
  signal?.addEventListener('abort', endEstimate, { once: true });
  // pg_dumpall --globals-only runs beside pg_dump (roles and tablespaces do not depend on its
  // snapshot), so its start and connection are not added to the backup's time. It is stopped and
  // awaited however the backup ends: no process outlives the backup.
  const globalsDone = new AbortController();
  const endGlobals = (): void => globalsDone.abort();
  signal?.addEventListener('abort', endGlobals, { once: true });
  let globalsRead: Promise<GlobalsDump> | null = null;
  try {
    const info = await readServerInfo(client, conn);
    const tool = await selectPgDump(info, req.pgBinDir, env, compression);
    await storage.checkWritable();
    throwIfAborted(signal, 'The backup');

    // Two backups of one database in the same second (a click on Backup now while the schedule
    // fires, two schedulers sharing a bucket, twenty cron jobs) each get their own key: the claim
    // is create-only on the storage, and losers take the next free second (claim-key.ts).
    const startedAt = (req.now ?? (() => new Date()))();
    claim = await claimBackupKey(storage, {
      keyFor: (at) => buildBackupKey({ prefix: target.prefix, dbName: info.database, startedAt: at, format, encrypted: encryption !== null }),
      startedAt,
      signal,
    });
    const key = claim.key;
    const warnings: string[] = claim.enforced
      ? []
      : [`${storage.display} ignores create-only writes (If-None-Match), so Lifeboat could only check its claim on ${key} by reading it back; backups of this database started at the same second elsewhere could still overwrite one another.`];

    snapshot = await exportSnapshot(client);
    const countMode = req.rowCounts === 'exact' || req.rowCounts === 'estimated' ? req.rowCounts : info.databaseSizeBytes <= EXACT_COUNT_LIMIT ? 'exact' : 'estimated';

    const toolConn = pgToolConnection(conn, env, conn.url ? undefined : info.database);
    const args = [
      `--format=${format === 'custom' ? 'custom' : 'plain'}`,
      // pg_dump compresses on one core; by default it writes uncompressed (-Z0) and Lifeboat's
      // workers compress into the same format on the others (compress/backup-compression.ts).
      ...pgDumpCompressArgs(format, compression),
      '--no-password',
      ...(snapshot.id ? [`--snapshot=${snapshot.id}`] : []),
      ...toolConn.args,
    ];
    // The total is a guess: the database's size on disk at once, then (usually much closer, as
    // dumps are compressed) the previous backup's size when the storage has one. Best effort: a
    // failed look-up leaves the first guess and never fails the backup.
    progress.setPhase('dumping', info.databaseSizeBytes > 0 ? info.databaseSizeBytes : null, 'size on disk');
    void previousBackupSize(storage, { prefix: target.prefix, dbName: info.database, format, encrypted: encryption !== null, before: startedAt }, estimateDone.signal)
      .then((size) => {
        if (size !== null && size > 0 && progress.phase === 'dumping') progress.setTotal(size, 'previous backup');
      })
      .catch(() => undefined);
    const compressor = compressionStage(format, compression);
    compressPool = compressor?.pool ?? null;
    // The custom-format re-writer copies what it keeps, so pg_dump's output can be read into one
    // reused buffer rather than a new one per read (jobs/borrowed-output.ts: peak memory and GC).
    // Only an optimisation: where its socket cannot be made (a temp folder too deep for a socket
    // path, or read-only), pg_dump writes to the usual pipe instead of the backup failing.
    const borrowed = compressor && !compressor.plain && borrowedOutputWorks ? await openBorrowedOutput().catch(() => null) : null;
    const runningDump = spawnTool(tool.path, args, toolConn.env, borrowed ? { stdout: borrowed.childEnd } : {});
    borrowed?.handedOver();
    dump = runningDump;
    runningDump.child.stdin.end();
    const readGlobals = globalsMode === 'skip' ? null : (s: AbortSignal | undefined): Promise<GlobalsDump> => dumpGlobals(conn, info, { mode: globalsMode, binDir: req.pgBinDir, env, signal: s });
    globalsRead = readGlobals?.(globalsDone.signal) ?? null;
    globalsRead?.catch(() => undefined); // awaited below, or in `finally` when the backup fails first

    let dumpExited = false;
    void runningDump.exited.then(() => (dumpExited = true));
    const dumpError = async (): Promise<Error | null> => {
      const r = await runningDump.exited;
      if (signal?.aborted) return cancelledError('The backup');
      if (r.spawnError) return new LifeboatError('PG_TOOL_MISSING', `Could not start ${tool.path}: ${r.spawnError.message}.`);
      if (r.code !== 0 || r.signal) return describeDumpFailure(r, { toolVersion: tool.version, database: info.database, where: conn.display, secrets: [conn.password] });
      return null;
    };

    const meter = new StreamMeter((n) => progress.addBytes(n));
    const gate = new EndGate(dumpError);
    // The tap reads the archive as it will be stored (after compression), without changing a byte: its TOC
    // and data block offsets (the index), and every table's exact row count and fingerprint from
    // its COPY text, so the database is read once (no count(*) pass).
    // Plain SQL needs no tap: Lifeboat gzips it itself, and the stage that does records every
    // COPY block's rows, fingerprint and place among the gzip members (compress/plain-members.ts).
    // When Lifeboat compresses, its compressor counts the rows from the plain text on the way (textStats)
    // and the tap only measures the compressed blocks: the data is not inflated again.
    const textStats = compressor?.textStats ?? undefined;
    const tap = format === 'custom' ? new StreamTap(async (source) => ({ kind: 'custom' as const, scan: await scanArchive(source, { textStats }) })) : null;
    const stages: unknown[] = [borrowed?.chunks ?? runningDump.child.stdout, ...(compressor ? [compressor.stage] : []), ...(tap ? [tap] : [])];
    // Encrypt before the meter, so the manifest's size and SHA-256 are of the stored bytes and
    // verify can check them without the key.
    const encrypter = encryption ? createEncryptStream(encryption) : null;
    if (encrypter) stages.push(encrypter);
    stages.push(meter, gate);
    let streamError = null as Error | null;
    const body = (pipeline as unknown as (...s: unknown[]) => Readable)(...stages, (err: Error | null) => {
      if (err) streamError = err;
    });

    // When storage fails it destroys the stream it was reading; pg_dump then dies on a broken pipe.
    let storageGaveUpFirst = false;
    gate.on('close', () => {
      if (!dumpExited) storageGaveUpFirst = true;
    });

    const onAbort = (): void => {
      runningDump.kill();
      body.destroy(cancelledError('The backup'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const uploadSettled = trackPendingCleanup({ what: `the incomplete upload of ${key} to ${storage.display}`, remedy: '`lifeboat prune` removes it once it is a day old' });
    try {
      createdKey = key;
      await storage.upload(key, body, {
        contentType: format === 'custom' || encryption ? 'application/octet-stream' : 'application/gzip',
        expectedBytes: info.databaseSizeBytes,
        signal,
      });
    } catch (e) {
      createdKey = null; // the storage removed its own partial upload
      // Whoever failed first is the cause: a pg_dump that had already died, or else the storage
      // (whose failure then makes pg_dump fail on a closed pipe, which is not the story to tell).
      const dumpFailedFirst = dumpExited && !storageGaveUpFirst ? await dumpError() : null;
      runningDump.kill();
      if (signal?.aborted) throw cancelledError('The backup');
      if (dumpFailedFirst) throw dumpFailedFirst;
      if (streamError instanceof LifeboatError) throw streamError;
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      uploadSettled();
    }
    throwIfAborted(signal, 'The backup');

    const plainLayout = compressor?.plain?.layout ?? null;
    const tapped: TappedDump | null = tap ? await tap.result : plainLayout ? { kind: 'plain', tables: plainTableStats(plainLayout) } : null;
    const streamCounts = tapped ? countsFromScan(tapped) : null;
    // Counts from the stream are exact whatever the size. Only when the stream could not be read
    // (lz4/zstd compression, an archive the reader does not know) are the tables counted, still in
    // pg_dump's snapshot, which this connection holds until now.
    const counts: { mode: BackupManifest['rowCounts']; tables: TableCount[]; note?: string } = streamCounts
      ? { mode: 'exact', tables: streamCounts }
      : await snapshot.countRows(countMode, signal).catch((e: unknown) => {
          if (signal?.aborted) throw cancelledError('The backup');
          return countsUnavailable(e, conn);
        });
    await snapshot.release();
    const index: ArchiveIndex | PlainIndex | null =
      tapped?.kind === 'custom' ? buildIndex(key, tapped.scan, encrypter ? encrypter.layout : null) : plainLayout ? buildPlainIndex(key, plainLayout, encrypter ? encrypter.layout : null, meter.bytes) : null;
    if (!index) {
      const why = tap?.failure?.message ?? compressor?.plain?.failure?.message ?? 'the archive could not be read';
      warnings.push(`No archive index was written for ${key} (${why}); show, peek and selective restore stream the whole backup instead.`);
    }
    progress.setPhase('finalizing');
    const stored = await storage.head(key);
    if (!stored || stored.size !== meter.bytes) {
      throw new LifeboatError('STORAGE_ERROR', `The stored object ${key} has ${stored?.size ?? 'no'} bytes, but ${meter.bytes} were sent; the backup was removed. Try again.`);
    }
    // The server's roles, memberships and tablespaces, beside the backup. A failure to read them
    // is a warning in the result and the manifest: the database's backup is kept.
    let globals: GlobalsRecord | undefined;
    let globalsWarning: string | undefined;
    if (globalsRead) {
      progress.setPhase('globals');
      let dumped = await globalsRead;
      throwIfAborted(signal, 'The backup');
      // Read beside pg_dump it needed a third connection at once; a server with no connection to
      // spare gets its one at the old time, now that pg_dump's is closed.
      if (!dumped.ok && readGlobals) dumped = await readGlobals(signal);
      throwIfAborted(signal, 'The backup');
      if (dumped.ok) {
        const put = await putGlobals(storage, key, dumped.text, encryption, (k) => (createdGlobals = k), signal);
        globals = { ...put.record, rolePasswords: globalsMode === 'with-passwords', pgDumpall: { version: dumped.tool.version, major: dumped.tool.major } };
      } else {
        globalsWarning = dumped.warning;
        warnings.push(dumped.warning);
      }
    }
    const finishedAt = new Date();
    const manifest: BackupManifest = {
      formatVersion: MANIFEST_FORMAT_VERSION,
      key,
      database: info.database,
      format,
      compression: format === 'plain' ? 'gzip' : 'pg_dump',
      compressedBy: compressionRecord(format, compression),
      server: { version: info.version, versionNum: info.versionNum, host: info.host, port: info.port },
      pgDump: { version: tool.version, major: tool.major, path: tool.path },
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      sizeBytes: meter.bytes,
      sha256: meter.digest(),
      rowCounts: counts.mode,
      ...(counts.note ? { rowCountsNote: counts.note } : {}),
      tables: counts.tables,
      label,
      pinned: req.pin ?? false,
      storageClass: target.kind === 's3' ? target.storageClass : null,
      lifeboatVersion: lifeboatVersion(),
      encryption: encryption ? { algorithm: ALGORITHM_NAME, keyId: encryption.id } : null,
      ...(globals ? { globals } : {}),
      ...(globalsWarning ? { globalsWarning } : {}),
      ...(tapped?.kind === 'custom' ? { roles: rolesOfToc(tapped.scan.toc) } : {}),
      ...(tapped?.kind === 'custom' && tablespacesOfToc(tapped.scan.toc).length > 0 ? { tablespaces: tablespacesOfToc(tapped.scan.toc) } : {}),
      ...(req.group ? { group: req.group } : {}),
    };
    const indexText = index ? serializeIndex(index) : null;
    if (indexText) manifest.index = { sizeBytes: indexText.sizeBytes, sha256: indexText.sha256 };
    throwIfAborted(signal, 'The backup');
    if (!claim.enforced && !(await claim.isStillOurs())) {
      createdKey = null; // another process took the claim over: the object may be its, not ours
      throw new LifeboatError('KEY_EXISTS', `Another backup took over ${key} while this one was running (${storage.display} ignores create-only writes); this backup is not kept. Run it again.`);
    }
    // The index before the manifest, which is written last.
    if (indexText) await putSidecar(storage, indexKeyFor(key), indexText.text, (k) => (createdIndex = k));
    await putSidecar(storage, manifestKeyFor(key), `${JSON.stringify(manifest, null, 2)}\n`, (k) => (createdManifest = k));
    createdKey = null;
    createdManifest = null;
    createdIndex = null;
    createdGlobals = null;
    await claim.release().catch(() => undefined);
    claim = null;
    // Copies start from the complete backup (copies/copy-backup.ts says why, docs/benchmarks.md measures it).
    if (copyTo.length > 0) progress.setPhase('copying', manifest.sizeBytes * copyTo.length);
    const copied = await copyToDestinations(storage, key, copyTo, { signal, onBytes: (n) => progress.addBytes(n) });
    warnings.push(...copied.warnings);
    progress.setPhase('done');
    return {
      copies: copied.copies,
      jobId,
      key,
      storage: storage.display,
      sizeBytes: manifest.sizeBytes,
      sha256: manifest.sha256,
      durationMs: progress.elapsedMs,
      manifest,
      warnings,
    };
  } finally {
    endEstimate();
    signal?.removeEventListener('abort', endEstimate);
    endGlobals();
    signal?.removeEventListener('abort', endGlobals);
    await globalsRead?.catch(() => undefined);
    dump?.kill();
    await compressPool?.close();
    await snapshot?.release();
    await client.end().catch(() => undefined);
    const ours = [createdKey, createdIndex, createdGlobals, createdManifest].filter((k): k is string => k !== null);
    if (ours.length > 0 && claim && (claim.enforced || (await claim.isStillOurs().catch(() => false)))) {
      await storage.delete(ours).catch(() => undefined);
    }
    await claim?.release().catch(() => undefined);
  }
}

/**
 * The counting connection was lost (terminated by an administrator, a pooler, a restart) while
 * pg_dump ran. The backup is kept: pg_dump imported the exported snapshot when it started and holds
 * it in its own transaction, so the dump is consistent on its own and pg_dump's exit status still
 * decides whether it is complete. (Had the connection died before pg_dump imported the snapshot,
 * pg_dump itself fails with "invalid snapshot identifier" and nothing is stored.) Throwing away a
 * good dump for want of metadata would leave the DBA with no backup at all; the manifest says the
 * counts are missing, so deep verification checks everything but the counts
 * (rowCountsNote says why; see docs/manifest-format.md).
 */
function countsUnavailable(e: unknown, conn: PgConnection): { mode: 'estimated'; tables: []; note: string } {
  const why = scrubSecrets(e instanceof Error ? e.message : String(e), [conn.password]);
  // "estimated" with no tables, not a new value: manifest format 1 readers then see nothing to compare.
  return { mode: 'estimated', tables: [], note: `Row counts are unavailable: the connection counting rows was lost (${why}); the dump itself is complete.` };
}


