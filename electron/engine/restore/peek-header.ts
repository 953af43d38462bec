import { constants, gunzipSync } from 'node:zlib';
import { parseCustomHeader, parsePlainHeader, type ArchiveHeader } from '../../../shared/archive-header.js';
import { LifeboatError } from '../errors.js';
import type { BackupSource } from './backup-source.js';

/**
 * Which pg_dump wrote the backup: from the manifest when there is one, otherwise from the backup's
 * first bytes (decrypted, still gzipped) as the one download into the local copy kept them.
 */
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
