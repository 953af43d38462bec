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
  private carry = '';
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

  private process(lines: string[]): string {
    let out = '';
    for (const line of lines) {
      this.lineNo++;
      if (this.inCopy) {
        if (line === '\\.') this.inCopy = false;
        out += `${line}\n`;
        continue;
      }
      if (COPY_START.test(line)) this.inCopy = true;
      if (line.includes('\\') && this.backslashLines.size < 10_000) {
        const cmd = metaCommandIn(line);
        if (cmd) this.backslashLines.set(this.lineNo, cmd);
      }
      out += this.keep(line) ? `${line}\n` : '\n';
    }
    return out;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const text = this.carry + chunk.toString('utf8');
    const lines = text.split('\n');
    this.carry = lines.pop() ?? '';
    cb(null, this.process(lines));
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.carry;
    this.carry = '';
    // The last line always ends with a newline: Lifeboat's COMMIT follows it.
    cb(null, this.process(rest === '' ? [] : [rest]));
  }
}

/**
 * For a plain SQL restore over an existing database with --clean: pg_dump's plain output has no
 * DROP statements, so the target's schemas and large objects are removed first — inside the same
 * transaction as the restore, so a failure puts everything back. One line, so that the backup's
 * line numbers in psql's messages are offset by a known count.
 */
export const PLAIN_CLEAN_PREAMBLE = `DO $lifeboat_clean$ DECLARE r record; BEGIN FOR r IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%' LOOP EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname); END LOOP; PERFORM lo_unlink(oid) FROM pg_largeobject_metadata; EXECUTE 'CREATE SCHEMA public'; IF current_setting('server_version_num')::int >= 150000 THEN EXECUTE 'ALTER SCHEMA public OWNER TO pg_database_owner'; END IF; EXECUTE 'GRANT USAGE ON SCHEMA public TO PUBLIC'; END $lifeboat_clean$;`;
