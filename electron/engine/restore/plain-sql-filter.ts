import { Transform, type TransformCallback } from 'node:stream';

export interface PlainFilterOptions {
  noOwner: boolean;
  noAcl: boolean;
  /**
   * Lifeboat wraps the restore in its own transaction (an existing database): the BEGIN;/COMMIT;
   * pairs pg_dump writes around large objects would end that transaction early, so they go.
   */
  ownTransaction?: boolean;
}

const OWNER_LINE = /^(?:ALTER .+ OWNER TO .+;|SET SESSION AUTHORIZATION .+;)$/;
const ACL_LINE = /^(?:GRANT .+;|REVOKE .+;|ALTER DEFAULT PRIVILEGES .+;)$/;
const COPY_START = /^COPY .+ FROM stdin;$/;
// pg_dump and pg_restore 13.22/14.19/15.14/16.10/17.6 and later fence their scripts with a random
// key (CVE-2025-8714). Lifeboat's own \restrict comes first, so these lines would be refused.
const RESTRICT_LINE = /^\\restrict ([A-Za-z0-9]+)\s*$/;
const UNRESTRICT_LINE = /^\\unrestrict ([A-Za-z0-9]+)\s*$/;
// pg_dump's plain output sets lock_timeout to 0; a restore over an existing database keeps the
// session's own timeout instead, so that a lock held elsewhere makes it fail instead of hang.
const LOCK_TIMEOUT_LINE = /^SET lock_timeout = 0;$/;

/**
 * psql has no --no-owner/--no-acl, so for plain SQL backups Lifeboat drops pg_dump's ownership and
 * privilege statements itself, as pg_restore would. pg_dump writes each of them on one line; COPY
 * data blocks pass through untouched (a row may well start with "GRANT").
 */
export function shouldDropLine(line: string, inCopy: boolean, opts: PlainFilterOptions): boolean {
  if (inCopy) return false;
  return (opts.noOwner && OWNER_LINE.test(line)) || (opts.noAcl && ACL_LINE.test(line));
}

/** The psql meta-command a line holds (its last backslash word), for messages. */
export function metaCommandIn(line: string): string | null {
  const all = [...line.matchAll(/\\([A-Za-z!?]+|[!?])/g)];
  const last = all[all.length - 1];
  return last ? `\\${last[1]}` : null;
}

/**
 * Everything the SQL text of a backup (or pg_restore's script of an archive) passes through on its
 * way to psql. Dropped lines become empty lines, so psql's line numbers stay the backup's.
 * It never adds anything: the guard against meta-commands is psql's \restrict with Lifeboat's own
 * key, written before the first byte of the backup; this filter only removes the dump's own fence
 * (\restrict X … \unrestrict X), which psql would otherwise refuse inside Lifeboat's.
 */
export class PlainSqlFilter extends Transform {
  private carry: Buffer = EMPTY;
  private inCopy = false;
  private dumpKey: string | null = null;
  private openedByDump = false;
  private lineNo = 0;
  /** Lines (outside COPY data) that contain a backslash word, for naming a refused meta-command. */
  private readonly backslashLines = new Map<number, string>();

  constructor(private readonly opts: PlainFilterOptions) {
    super();
  }

  /** The meta-command on a line of the backup, when psql refused one there. */
  metaCommandOnLine(line: number): string | null {
    return this.backslashLines.get(line) ?? null;
  }

  private keep(line: string): boolean {
    if (LOCK_TIMEOUT_LINE.test(line)) return false;
    const r = RESTRICT_LINE.exec(line);
    if (r && this.dumpKey === null) {
      this.dumpKey = r[1] ?? null;
      return false;
    }
    const u = UNRESTRICT_LINE.exec(line);
    if (u && this.dumpKey !== null && u[1] === this.dumpKey) {
      this.dumpKey = null;
      return false;
    }
    if (this.opts.ownTransaction) {
      // Only a BEGIN;/COMMIT; pair: a lone COMMIT; line belongs to something else (a function body).
      if (line === 'BEGIN;') {
        this.openedByDump = true;
        return false;
      }
      if (line === 'COMMIT;' && this.openedByDump) {
        this.openedByDump = false;
        return false;
      }
    }
    return !shouldDropLine(line, false, this.opts);
  }

  /**
   * Works on bytes, whole lines only. COPY data — nearly all of a backup — passes through as
   * slices up to its `\.` line, never decoded or split: the filter costs little next to psql.
   */
  private process(buf: Buffer): Buffer {
    const parts: Buffer[] = [];
    let pos = 0;
    while (pos < buf.length) {
      if (this.inCopy) {
        const t = buf[pos] === 0x5c && buf[pos + 1] === 0x2e && buf[pos + 2] === 0x0a ? pos : plusOne(buf.indexOf(COPY_END, pos));
        const end = t < 0 ? buf.length : t + 3;
        const data = buf.subarray(pos, end);
        this.lineNo += countNewlines(data);
        parts.push(data);
        if (t >= 0) this.inCopy = false;
        pos = end;
        continue;
      }
      const nl = buf.indexOf(0x0a, pos);
      const lineEnd = nl < 0 ? buf.length : nl;
      const line = buf.toString('utf8', pos, lineEnd);
      this.lineNo++;
      if (COPY_START.test(line)) this.inCopy = true;
      if (line.includes('\\') && this.backslashLines.size < 10_000) {
        const cmd = metaCommandIn(line);
        if (cmd) this.backslashLines.set(this.lineNo, cmd);
      }
      parts.push(this.keep(line) ? buf.subarray(pos, lineEnd + 1) : NEWLINE);
      pos = lineEnd + 1;
    }
    return Buffer.concat(parts);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const last = buf.lastIndexOf(0x0a);
    if (last < 0) {
      this.carry = buf;
      cb();
      return;
    }
    this.carry = Buffer.from(buf.subarray(last + 1));
    cb(null, this.process(buf.subarray(0, last + 1)));
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.carry;
    this.carry = EMPTY;
    // The last line always ends with a newline: Lifeboat's COMMIT follows it.
    cb(null, rest.length > 0 ? this.process(Buffer.concat([rest, NEWLINE])) : EMPTY);
  }
}

const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from('\n');
const COPY_END = Buffer.from('\n\\.\n');

function plusOne(i: number): number {
  return i < 0 ? -1 : i + 1;
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * "Replace" (--clean, or Replace in the app), for both formats: every schema of the target (with
 * all it holds, also what the backup does not have) and every large object is dropped first, and
 * an empty public schema made as in a new database (owner, comment and privileges of template0's) — inside the same transaction as the restore,
 * so a failure puts everything back. Then the backup restores as into a new database. One line,
 * so that the backup's line numbers in psql's messages are offset by a known count.
 */
export const CLEAN_PREAMBLE = `DO $lifeboat_clean$ DECLARE r record; BEGIN FOR r IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%' LOOP EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname); END LOOP; PERFORM lo_unlink(oid) FROM pg_largeobject_metadata; EXECUTE 'CREATE SCHEMA public'; EXECUTE 'COMMENT ON SCHEMA public IS ''standard public schema'''; IF current_setting('server_version_num')::int >= 150000 THEN EXECUTE 'ALTER SCHEMA public OWNER TO pg_database_owner'; EXECUTE 'GRANT USAGE ON SCHEMA public TO PUBLIC'; ELSE EXECUTE 'GRANT ALL ON SCHEMA public TO PUBLIC'; END IF; END $lifeboat_clean$;`;
