import { constants, gunzipSync } from 'node:zlib';
import { parseCustomHeader, type ArchiveHeader } from '../../../shared/archive-header.js';
import { LifeboatError } from '../errors.js';
import { MAGIC as ENCRYPTION_MAGIC } from '../crypto/format.js';

/** What a file's bytes say it is, whatever its name says. */
export type DumpKind =
  | { kind: 'custom'; header: ArchiveHeader }
  | { kind: 'plain'; gzip: boolean }
  | { kind: 'encrypted' };

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ARCHIVE_MAGIC = Buffer.from('PGDMP', 'ascii');
/** pg_dump's format code of a custom archive; a directory dump's toc.dat carries another (3, as tar's). */
const FORMAT_CUSTOM = 1;
/** Every SQL dump pg_dump writes starts with this comment (plain format, any version since 8). */
const PLAIN_DUMP_MARK = '-- PostgreSQL database dump';

function isTar(head: Buffer): boolean {
  return head.subarray(257, 262).toString('latin1') === 'ustar';
}

function refused(what: string, message: string): LifeboatError {
  return new LifeboatError('BAD_INPUT', `${what} ${message}`);
}

/** Gunzips as much of a gzip stream's start as the bytes hold (the rest of the file is not needed). */
function gunzipHead(head: Buffer): Buffer | null {
  try {
    return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return null;
  }
}

const CONVERT = 'convert it to plain SQL with `pg_restore --file=dump.sql FILE` and restore dump.sql';

/**
 * Decides from the first bytes (at least 64 KiB, or the whole file) what kind of dump this is:
 * a custom archive (PGDMP), gzipped or plain SQL written by pg_dump, or a Lifeboat encrypted
 * backup (LBOATENC). Everything else is refused with one sentence naming what it is and what to do.
 * `inner`: the bytes are the decrypted content of an encrypted file (which cannot nest).
 */
export function dumpKindOf(head: Buffer, what: string, inner = false): DumpKind {
  if (head.subarray(0, ENCRYPTION_MAGIC.length).equals(ENCRYPTION_MAGIC) && !inner) return { kind: 'encrypted' };
  if (head.subarray(0, ARCHIVE_MAGIC.length).equals(ARCHIVE_MAGIC)) {
    const header = parseCustomHeader(head);
    if (header && header.archiveFormat !== FORMAT_CUSTOM) {
      throw refused(what, `is the table of contents (toc.dat) of a directory-format dump, which Lifeboat does not restore; ${CONVERT.replace('FILE', 'DIRECTORY')}.`);
    }
    if (!header) throw refused(what, 'starts like a pg_dump archive but its header is damaged; check that the copy of the dump finished.');
    return { kind: 'custom', header };
  }
  if (isTar(head)) throw refused(what, `is a tar archive (pg_dump --format=tar, perhaps), which Lifeboat does not restore; ${CONVERT}.`);
  if (head.subarray(0, 2).equals(GZIP_MAGIC)) {
    const text = gunzipHead(head);
    if (text && text.subarray(0, ARCHIVE_MAGIC.length).equals(ARCHIVE_MAGIC)) throw refused(what, 'is a gzipped pg_dump archive; gunzip it first and restore the .dump file inside.');
    if (text && isTar(text)) throw refused(what, `is a gzipped tar archive, which Lifeboat does not restore; ${CONVERT}.`);
    if (!text || !text.toString('utf8').includes(PLAIN_DUMP_MARK)) throw refused(what, 'is gzip data, but not a SQL dump written by pg_dump (it lacks pg_dump\'s "-- PostgreSQL database dump" heading).');
    return { kind: 'plain', gzip: true };
  }
  if (head.toString('utf8').includes(PLAIN_DUMP_MARK)) return { kind: 'plain', gzip: false };
  throw refused(
    what,
    'is not a dump Lifeboat can restore: it is neither a pg_dump custom archive (.dump), nor SQL written by pg_dump (.sql or .sql.gz), nor a Lifeboat encrypted backup (.enc).',
  );
}
