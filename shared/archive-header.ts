// What a backup's first bytes say about the pg_dump that wrote it, so a fitting pg_restore/psql
// can be chosen for backups that have no manifest (written by the seed's scripts or by hand).

export interface ArchiveHeader {
  kind: 'custom' | 'plain';
  /** The pg_dump version, e.g. "15.20", or null when the header does not say. */
  pgDumpVersion: string | null;
  pgDumpMajor: number | null;
  /** The dumped server's version (custom archives only). */
  serverVersion: string | null;
  database: string | null;
  /**
   * Custom archives: when pg_dump started, as its local wall-clock fields (no time zone is stored;
   * pg_restore reads them in the reader's local time zone, and so does Lifeboat).
   */
  createdLocal?: { year: number; month: number; day: number; hour: number; minute: number; second: number } | null;
  /** Custom archives: pg_dump's format code (1 custom; a directory dump's toc.dat says 3). */
  archiveFormat?: number;
}

const MAGIC = 'PGDMP';

function majorOf(version: string | null): number | null {
  const m = version ? /^(\d+)/.exec(version) : null;
  return m ? Number(m[1]) : null;
}

/**
 * Reads pg_dump's custom-format header (pg_backup_archiver.c, WriteHead): magic, archive version,
 * int and offset sizes, format, compression, creation time, then three strings: database name,
 * server version and pg_dump version. Returns null when the bytes are not such an archive.
 */
export function parseCustomHeader(buf: Uint8Array): ArchiveHeader | null {
  if (buf.length < 11 || String.fromCharCode(...buf.subarray(0, 5)) !== MAGIC) return null;
  let pos = 5;
  const byte = (): number => {
    if (pos >= buf.length) throw new RangeError('short header');
    return buf[pos++] ?? 0;
  };
  const vmaj = byte();
  const vmin = byte();
  const vrev = vmaj > 1 || (vmaj === 1 && vmin > 0) ? byte() : 0;
  const version = (vmaj << 16) | (vmin << 8) | vrev;
  const v = (a: number, b: number, c = 0): number => (a << 16) | (b << 8) | c;
  const intSize = byte();
  if (version >= v(1, 7)) byte(); // offset size
  const archiveFormat = byte();
  const readInt = (): number => {
    const sign = version > v(1, 0) ? byte() : 0;
    let res = 0;
    let mult = 1;
    for (let i = 0; i < intSize; i++) {
      res += byte() * mult;
      mult *= 256;
    }
    return sign ? -res : res;
  };
  const readStr = (): string | null => {
    const len = readInt();
    if (len < 0) return null;
    if (pos + len > buf.length) throw new RangeError('short header');
    const s = new TextDecoder().decode(buf.subarray(pos, pos + len));
    pos += len;
    return s;
  };
  try {
    if (version >= v(1, 15)) byte(); // compression algorithm
    else if (version >= v(1, 2)) readInt(); // compression level
    let createdLocal: ArchiveHeader['createdLocal'] = null;
    if (version >= v(1, 4)) {
      // struct tm: seconds, minutes, hours, day of month, month (0-11), year - 1900, isdst
      const [second = 0, minute = 0, hour = 0, day = 1, month = 0, year = 0] = Array.from({ length: 7 }, readInt);
      createdLocal = { year: year + 1900, month: month + 1, day, hour, minute, second };
    }
    let database: string | null = null;
    let serverVersion: string | null = null;
    let pgDumpVersion: string | null = null;
    if (version >= v(1, 4)) database = readStr();
    if (version >= v(1, 10)) {
      serverVersion = readStr();
      pgDumpVersion = readStr();
    }
    return { kind: 'custom', pgDumpVersion, pgDumpMajor: majorOf(pgDumpVersion), serverVersion, database, createdLocal, archiveFormat };
  } catch {
    return { kind: 'custom', pgDumpVersion: null, pgDumpMajor: null, serverVersion: null, database: null, archiveFormat };
  }
}

/** A plain SQL dump names its pg_dump in a comment near the top: "-- Dumped by pg_dump version 15.4". */
export function parsePlainHeader(text: string): ArchiveHeader {
  const dumpM = /^-- Dumped by pg_dump version (\d+(?:\.\d+)*)/m.exec(text);
  const srvM = /^-- Dumped from database version (\d+(?:\.\d+)*)/m.exec(text);
  const pgDumpVersion = dumpM?.[1] ?? null;
  return { kind: 'plain', pgDumpVersion, pgDumpMajor: majorOf(pgDumpVersion), serverVersion: srvM?.[1] ?? null, database: null };
}
