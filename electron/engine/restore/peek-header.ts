import { constants, gunzipSync } from 'node:zlib';
import { parseCustomHeader, parsePlainHeader, type ArchiveHeader } from '../../../shared/archive-header.js';
import { LifeboatError } from '../errors.js';
import type { BackupSource } from './backup-source.js';
import { openBackupStream, type BackupStreamTransform } from './backup-stream.js';

const PEEK_BYTES = 64 * 1024;

/**
 * Which pg_dump wrote the backup: from the manifest when there is one, otherwise from the first
 * bytes of the object (read through the same pipeline, so encrypted objects are decrypted first).
 */
export async function readArchiveHeader(source: BackupSource, transforms: readonly BackupStreamTransform[] | undefined, signal?: AbortSignal): Promise<ArchiveHeader> {
  const m = source.manifest;
  if (m) {
    return { kind: m.format, pgDumpVersion: m.pgDump.version, pgDumpMajor: m.pgDump.major, serverVersion: m.server.version, database: m.database };
  }
  const { stream } = await openBackupStream(source, { gunzip: false, transforms, signal });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of stream) {
      chunks.push(c as Buffer);
      size += (c as Buffer).length;
      if (size >= PEEK_BYTES) break;
    }
  } catch {
    /* a short or damaged object: judged below from what arrived */
  } finally {
    stream.destroy();
  }
  return headerFromBytes(source, Buffer.concat(chunks));
}

/** The header from a backup's first bytes (decrypted, still gzipped), e.g. those of the scratch copy. */
export function headerFromBytes(source: BackupSource, head: Buffer): ArchiveHeader {
  const m = source.manifest;
  if (m) {
    return { kind: m.format, pgDumpVersion: m.pgDump.version, pgDumpMajor: m.pgDump.major, serverVersion: m.server.version, database: m.database };
  }
  if (source.parsed.format === 'custom') {
    const h = parseCustomHeader(head);
    if (!h) throw new LifeboatError('INTEGRITY_FAILED', `Backup ${source.key} is not a pg_dump custom-format archive (it does not start with PGDMP); check the key.`);
    return h;
  }
  if (!source.parsed.gzip) return parsePlainHeader(head.toString('utf8'));
  let text: string;
  try {
    text = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  } catch (e) {
    throw new LifeboatError('INTEGRITY_FAILED', `Backup ${source.key} is not gzip data (${(e as Error).message}); check the key.`);
  }
  return parsePlainHeader(text);
}
