import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { buildBackupKey, indexKeyFor, manifestKeyFor } from '../../../shared/backup-key.js';
import { MANIFEST_FORMAT_VERSION, type BackupManifest } from '../../../shared/manifest.js';
import { TruncatedError } from '../archive/byte-reader.js';
import { buildIndex, serializeIndex } from '../archive/index-file.js';
import { scanPlainSql } from '../archive/plain-sql-scan.js';
import { scanArchive } from '../archive/scan-archive.js';
import { countsFromScan, type TappedDump } from '../archive/stream-counts.js';
import { StreamTap } from '../archive/stream-tap.js';
import { createEncryptStream } from '../crypto/encrypt-stream.js';
import { ALGORITHM_NAME } from '../crypto/format.js';
import type { MasterKey } from '../crypto/master-key.js';
import { LifeboatError, cancelledError, throwIfAborted } from '../errors.js';
import { newJobId } from '../jobs/job-id.js';
import { trackPendingCleanup } from '../jobs/pending-cleanup.js';
import { ProgressReporter, type ProgressListener } from '../jobs/progress-reporter.js';
import { checkFileInPlace, resolveFileSource, type IdentityOrigin } from '../restore/file-source.js';
import { headerFromBytes } from '../restore/peek-header.js';
import { openStorage } from '../storage/open-storage.js';
import type { StorageTarget } from '../storage/target.js';
import { lifeboatVersion } from '../version.js';
import { claimBackupKey, type KeyClaim } from './claim-key.js';
import { putSidecar } from './put-sidecar.js';
import { resolveTarget, validateLabel } from './run-backup.js';
import { StreamMeter } from './stream-meter.js';

export interface ImportRequest {
  file: string;
  to?: string | StorageTarget | undefined;
  /** The database the dump is of, when the file does not say (plain SQL) or says wrongly. */
  dbName?: string | undefined;
  /** When the dump was taken, when the archive header or file name does not say it rightly. */
  takenAt?: Date | undefined;
  /** Encrypt an unencrypted file on the way (the profile's key); an encrypted file is stored as it is. */
  encryption?: MasterKey | null | undefined;
  label?: string | null | undefined;
  /** Imported dumps are pinned unless asked otherwise: retention would delete an old dump at once. */
  pin?: boolean | undefined;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressListener | undefined;
  jobId?: string;
  /** For tests: the clock of importedAt. */
  now?: () => Date;
}

export interface ImportResult {
  jobId: string;
  key: string;
  storage: string;
  sizeBytes: number;
  sha256: string;
  manifest: BackupManifest;
  /** Where the database name and the dump time came from. */
  dbNameFrom: IdentityOrigin;
  takenAtFrom: IdentityOrigin;
  warnings: string[];
}

/** "15.20" → 150020, "9.6.24" → 90624: server_version_num from a version string. */
function versionNum(version: string | null): number {
  const m = version ? /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version) : null;
  if (!m) return 0;
  const major = Number(m[1]);
  return major >= 10 ? major * 10000 + Number(m[2] ?? 0) : major * 10000 + Number(m[2] ?? 0) * 100 + Number(m[3] ?? 0);
}

/**
 * Uploads a dump file from disk into storage as a backup in the seed's layout, with a manifest,
 * so it is listed, shown on the calendar, restored, verified and pruned like any other. The file is
 * checked first, completely (the same checks a restore from it makes), and never changed. The
 * upload follows the backup's rules: a create-only claim on the key, the SHA-256 computed on the
 * way, the index and then the manifest last; on any failure or cancel everything this run wrote is
 * removed. The file must not change while it is imported (its SHA-256 is compared between the check
 * and the upload).
 */
export async function importFile(req: ImportRequest): Promise<ImportResult> {
  const env = req.env ?? process.env;
  const jobId = req.jobId ?? newJobId('import');
  const progress = new ProgressReporter(jobId, req.onProgress);
  const signal = req.signal;
  const label = validateLabel(req.label);
  const target = resolveTarget(req.to, env);
  if (req.takenAt !== undefined && Number.isNaN(req.takenAt.getTime())) throw new LifeboatError('BAD_INPUT', 'The dump time is not a valid date; write it as 2025-05-15T03:10:12Z.');
  if (req.dbName !== undefined && req.dbName.trim() === '') throw new LifeboatError('BAD_INPUT', 'The database name is empty; give the name of the database the dump is of.');

  progress.setPhase('checking');
  const source = await resolveFileSource(req.file, env);
  const file = source.key;
  const identity = source.file?.identity;
  const dbName = req.dbName ?? source.manifest?.database ?? identity?.dbName ?? null;
  if (!dbName) {
    throw new LifeboatError('BAD_INPUT', `${file} does not say which database it is a dump of (plain SQL dumps do not); name it with --db-name NAME.`);
  }
  const takenAt = req.takenAt ?? identity?.takenAt ?? source.parsed.createdAt;
  const format = source.parsed.format;
  const fileEncrypted = source.encryption !== null && source.encryption !== undefined;
  if (fileEncrypted && format === 'plain' && !source.parsed.gzip) {
    throw new LifeboatError('BAD_INPUT', `${file} is encrypted SQL that is not gzipped, which Lifeboat never writes and cannot store in its layout; decrypt it (lifeboat decrypt) and import the SQL file.`);
  }
  const checked = await checkFileInPlace(source, { signal, what: 'The import', onBytes: (n) => progress.addBytes(n) });
  if (checked.plainComplete === false) {
    throw new LifeboatError('INTEGRITY_FAILED', `${file} is plain SQL that does not end with pg_dump's "-- PostgreSQL database dump complete" line: pg_dump stopped before the end, so it was not imported.`);
  }
  const header = headerFromBytes(source, checked.head);
  const encryption = fileEncrypted ? null : (req.encryption ?? null);
  const encrypted = fileEncrypted || encryption !== null;

  const storage = openStorage(target);
  await storage.checkWritable();
  throwIfAborted(signal, 'The import');
  let claim: KeyClaim | null = null;
  let createdKey: string | null = null;
  let createdIndex: string | null = null;
  let createdManifest: string | null = null;
  try {
    claim = await claimBackupKey(storage, {
      keyFor: (at) => buildBackupKey({ prefix: target.prefix, dbName, startedAt: at, format, encrypted }),
      startedAt: takenAt,
      signal,
    });
    const key = claim.key;
    const warnings: string[] = [];
    if (claim.keyTime.getTime() !== takenAt.getTime()) warnings.push(`A backup of "${dbName}" at ${takenAt.toISOString()} already exists, so this one was stored one or more seconds later, at ${key}.`);

    progress.setPhase('uploading', source.sizeBytes);
    // The file's own bytes are hashed again on the way: they must be the ones that were checked.
    const fileHash = new StreamMeter(() => undefined);
    const meter = new StreamMeter((n) => progress.addBytes(n));
    const stages: (NodeJS.ReadableStream | NodeJS.ReadWriteStream)[] = [createReadStream(file), fileHash];
    // Lifeboat stores plain SQL gzipped (.sql.gz), as the seed does; the tap reads what is stored
    // in the clear (archive offsets for the index, COPY rows for counts), as a backup's does.
    if (format === 'plain' && !source.parsed.gzip) stages.push(createGzip({ level: 6 }));
    const tap = fileEncrypted
      ? null
      : format === 'custom'
        ? new StreamTap<TappedDump>(async (s) => ({ kind: 'custom', scan: await scanArchive(s) }))
        : new StreamTap<TappedDump>(async (s) => ({ kind: 'plain', tables: await scanPlainSql(s) }));
    if (tap) stages.push(tap);
    const encrypter = encryption ? createEncryptStream(encryption) : null;
    if (encrypter) stages.push(encrypter);
    stages.push(meter);
    const body = (pipeline as unknown as (...s: unknown[]) => Readable)(...stages, () => undefined);
    const uploadSettled = trackPendingCleanup({ what: `the incomplete upload of ${key} to ${storage.display}`, remedy: '`lifeboat prune` removes it once it is a day old' });
    try {
      createdKey = key;
      await storage.upload(key, body, { contentType: format === 'custom' || encrypted ? 'application/octet-stream' : 'application/gzip', expectedBytes: source.sizeBytes, signal });
    } catch (e) {
      createdKey = null; // the storage removed its own partial upload
      if (signal?.aborted) throw cancelledError('The import');
      throw e;
    } finally {
      uploadSettled();
    }
    throwIfAborted(signal, 'The import');
    if (fileHash.digest() !== checked.sha256) {
      throw new LifeboatError('INTEGRITY_FAILED', `${file} changed while it was being imported (its SHA-256 differs from the one checked a moment before); nothing was kept. Import it again once nothing writes to it.`);
    }
    const tapped = tap ? await tap.result : null;
    if (tap?.failure instanceof TruncatedError) {
      throw new LifeboatError('INTEGRITY_FAILED', `${file} ends before the last block of its archive: the dump is truncated, so it was not imported.`);
    }
    const counts = tapped ? countsFromScan(tapped) : null;
    const index = tapped?.kind === 'custom' ? buildIndex(key, tapped.scan, encrypter ? encrypter.layout : null) : null;
    if (format === 'custom' && !index) warnings.push(`No archive index was written for ${key} (${fileEncrypted ? 'the file was already encrypted' : (tap?.failure?.message ?? 'the archive could not be read')}); show, peek and selective restore stream the whole backup instead.`);

    progress.setPhase('finalizing');
    const stored = await storage.head(key);
    if (!stored || stored.size !== meter.bytes) {
      throw new LifeboatError('STORAGE_ERROR', `The stored object ${key} has ${stored?.size ?? 'no'} bytes, but ${meter.bytes} were sent; the import was removed. Try again.`);
    }
    const keyId = fileEncrypted ? source.encryption?.keyId : encryption?.id;
    const manifest: BackupManifest = {
      formatVersion: MANIFEST_FORMAT_VERSION,
      key,
      database: dbName,
      format,
      compression: format === 'plain' ? 'gzip' : 'pg_dump',
      server: { version: header.serverVersion ?? 'unknown', versionNum: versionNum(header.serverVersion), host: '', port: 0 },
      pgDump: { version: header.pgDumpVersion ?? 'unknown', major: header.pgDumpMajor ?? 0, path: '' },
      startedAt: claim.keyTime.toISOString(),
      finishedAt: claim.keyTime.toISOString(),
      sizeBytes: meter.bytes,
      sha256: meter.digest(),
      rowCounts: counts ? 'exact' : 'estimated',
      ...(counts ? {} : { rowCountsNote: `Row counts are unavailable: imported from a file${fileEncrypted ? ' that was already encrypted' : ' whose rows could not be read'}.` }),
      tables: counts ?? [],
      label,
      pinned: req.pin ?? true,
      storageClass: target.kind === 's3' ? target.storageClass : null,
      lifeboatVersion: lifeboatVersion(),
      encryption: encrypted && keyId ? { algorithm: ALGORITHM_NAME, keyId } : null,
      source: { kind: 'import', fileName: path.basename(file), importedAt: (req.now ?? (() => new Date()))().toISOString() },
    };
    const indexText = index ? serializeIndex(index) : null;
    if (indexText) manifest.index = { sizeBytes: indexText.sizeBytes, sha256: indexText.sha256 };
    throwIfAborted(signal, 'The import');
    if (!claim.enforced && !(await claim.isStillOurs())) {
      createdKey = null;
      throw new LifeboatError('KEY_EXISTS', `Another backup took over ${key} while this import was running (${storage.display} ignores create-only writes); nothing was kept. Import again.`);
    }
    if (indexText) await putSidecar(storage, indexKeyFor(key), indexText.text, (k) => (createdIndex = k));
    await putSidecar(storage, manifestKeyFor(key), `${JSON.stringify(manifest, null, 2)}\n`, (k) => (createdManifest = k));
    createdKey = null;
    createdIndex = null;
    createdManifest = null;
    await claim.release().catch(() => undefined);
    claim = null;
    progress.setPhase('done');
    return {
      jobId,
      key,
      storage: storage.display,
      sizeBytes: manifest.sizeBytes,
      sha256: manifest.sha256,
      manifest,
      dbNameFrom: req.dbName !== undefined ? 'option' : (identity?.dbNameFrom ?? 'option'),
      takenAtFrom: req.takenAt !== undefined ? 'option' : (identity?.takenAtFrom ?? 'modification time'),
      warnings,
    };
  } finally {
    const ours = [createdKey, createdIndex, createdManifest].filter((k): k is string => k !== null);
    if (ours.length > 0 && claim && (claim.enforced || (await claim.isStillOurs().catch(() => false)))) {
      await storage.delete(ours).catch(() => undefined);
    }
    await claim?.release().catch(() => undefined);
  }
}
