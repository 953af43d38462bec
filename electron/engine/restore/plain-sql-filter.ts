import { Transform, type TransformCallback } from 'node:stream';

export interface PlainFilterOptions {
  noOwner: boolean;
  noAcl: boolean;
}

const OWNER_LINE = /^(?:ALTER .+ OWNER TO .+;|SET SESSION AUTHORIZATION .+;)$/;
const ACL_LINE = /^(?:GRANT .+;|REVOKE .+;|ALTER DEFAULT PRIVILEGES .+;)$/;
const COPY_START = /^COPY .+ FROM stdin;$/;

/**
 * psql has no --no-owner/--no-acl, so for plain SQL backups Lifeboat drops pg_dump's ownership and
 * privilege statements itself, as pg_restore would. pg_dump writes each of them on one line; COPY
 * data blocks pass through untouched (a row may well start with "GRANT").
 */
export function shouldDropLine(line: string, inCopy: boolean, opts: PlainFilterOptions): boolean {
  if (inCopy) return false;
  return (opts.noOwner && OWNER_LINE.test(line)) || (opts.noAcl && ACL_LINE.test(line));
}

export class PlainSqlFilter extends Transform {
  private carry = '';
  private inCopy = false;

  constructor(private readonly opts: PlainFilterOptions) {
    super();
  }

  private process(lines: string[]): string {
    let out = '';
    for (const line of lines) {
      if (this.inCopy) {
        if (line === '\\.') this.inCopy = false;
        out += `${line}\n`;
        continue;
      }
      if (COPY_START.test(line)) this.inCopy = true;
      if (!shouldDropLine(line, false, this.opts)) out += `${line}\n`;
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
    const out = this.process(rest === '' ? [] : [rest]);
    cb(null, rest === '' ? out : out.replace(/\n$/, ''));
  }
}

/**
 * For a plain SQL restore over an existing database with --clean: pg_dump's plain output has no
 * DROP statements, so the target's schemas and large objects are removed first — inside the same
 * transaction as the restore, so a failure puts everything back.
 */
export const PLAIN_CLEAN_PREAMBLE = `
DO $lifeboat_clean$
DECLARE r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema')
             AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
  PERFORM lo_unlink(oid) FROM pg_largeobject_metadata;
  EXECUTE 'CREATE SCHEMA public';
  IF current_setting('server_version_num')::int >= 150000 THEN
    EXECUTE 'ALTER SCHEMA public OWNER TO pg_database_owner';
  END IF;
  EXECUTE 'GRANT USAGE ON SCHEMA public TO PUBLIC';
END
$lifeboat_clean$;
`;
