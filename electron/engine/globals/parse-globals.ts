// The globals sidecar comes back from storage, which anyone with write access to the bucket can
// change: it is read as DATA. Only the statements pg_dumpall writes for roles, memberships and
// tablespaces are recognised, each against a strict grammar; everything else (psql meta-commands,
// COPY … PROGRAM, functions, settings, comments) is counted and ignored, never run. Restores then
// issue their own statements, built from the names and allow-listed attributes found here.
import { isKeyword, nameOf, sqlStatements, type SqlToken } from './sql-tokens.js';

/** Role attributes pg_dumpall writes, each with its opposite; nothing outside this list is ever issued. */
const FLAG_ATTRIBUTES = ['SUPERUSER', 'INHERIT', 'CREATEROLE', 'CREATEDB', 'LOGIN', 'REPLICATION', 'BYPASSRLS'] as const;
const FLAGS = new Set<string>([...FLAG_ATTRIBUTES, ...FLAG_ATTRIBUTES.map((a) => `NO${a}`)]);

export interface RoleDefinition {
  name: string;
  /** Allow-listed keywords (LOGIN, NOSUPERUSER, …) in the order read. */
  flags: string[];
  connectionLimit: number | null;
  validUntil: string | null;
  /** A password hash (only in sidecars written with --with-role-passwords). */
  password: string | null;
}

export interface Membership {
  role: string;
  member: string;
  admin: boolean;
}

export interface TablespaceDefinition {
  name: string;
  owner: string;
  location: string;
}

export interface ParsedGlobals {
  roles: Map<string, RoleDefinition>;
  memberships: Membership[];
  tablespaces: TablespaceDefinition[];
  /** Statements that are not roles, memberships or tablespaces (settings, comments, anything else): never run. */
  ignored: number;
}

export function parseGlobals(text: string): ParsedGlobals {
  const out: ParsedGlobals = { roles: new Map(), memberships: [], tablespaces: [], ignored: 0 };
  for (const s of sqlStatements(text)) {
    if (!(readCreateRole(s, out) || readAlterRole(s, out) || readMembership(s, out) || readTablespace(s, out))) out.ignored++;
  }
  return out;
}

function role(out: ParsedGlobals, name: string): RoleDefinition {
  let r = out.roles.get(name);
  if (!r) {
    r = { name, flags: [], connectionLimit: null, validUntil: null, password: null };
    out.roles.set(name, r);
  }
  return r;
}

function readCreateRole(s: SqlToken[], out: ParsedGlobals): boolean {
  if (s.length !== 3 || !isKeyword(s[0], 'CREATE') || !isKeyword(s[1], 'ROLE')) return false;
  const name = nameOf(s[2]);
  if (name === null) return false;
  role(out, name);
  return true;
}

/** ALTER ROLE name WITH attr…: the attributes of a role created just before. The statement counts only if every part is understood. */
function readAlterRole(s: SqlToken[], out: ParsedGlobals): boolean {
  if (!isKeyword(s[0], 'ALTER') || !isKeyword(s[1], 'ROLE')) return false;
  const name = nameOf(s[2]);
  if (name === null) return false;
  let i = isKeyword(s[3], 'WITH') ? 4 : 3;
  const parsed: Omit<RoleDefinition, 'name'> = { flags: [], connectionLimit: null, validUntil: null, password: null };
  if (i >= s.length) return false;
  while (i < s.length) {
    const t = s[i];
    const word = t?.kind === 'word' ? t.text.toUpperCase() : '';
    if (FLAGS.has(word)) {
      parsed.flags.push(word);
      i++;
    } else if (word === 'CONNECTION' && isKeyword(s[i + 1], 'LIMIT')) {
      const negative = s[i + 2]?.kind === 'punct' && s[i + 2]?.text === '-';
      const num = s[i + (negative ? 3 : 2)];
      if (num?.kind !== 'number' || num.text.length > 9) return false;
      parsed.connectionLimit = negative ? -Number(num.text) : Number(num.text);
      i += negative ? 4 : 3;
    } else if (word === 'VALID' && isKeyword(s[i + 1], 'UNTIL') && s[i + 2]?.kind === 'string') {
      const v = (s[i + 2] as SqlToken).text;
      if (!/^[0-9A-Za-z :.+-]{1,64}$/.test(v)) return false;
      parsed.validUntil = v;
      i += 3;
    } else if (word === 'PASSWORD' && s[i + 1]?.kind === 'string') {
      const v = (s[i + 1] as SqlToken).text;
      // A stored hash (SCRAM or md5) is printable ASCII; anything else is not what pg_dumpall writes.
      if (!/^[\x21-\x7e]{1,1024}$/.test(v)) return false;
      parsed.password = v;
      i += 2;
    } else {
      return false;
    }
  }
  const r = role(out, name);
  r.flags.push(...parsed.flags);
  if (parsed.connectionLimit !== null) r.connectionLimit = parsed.connectionLimit;
  if (parsed.validUntil !== null) r.validUntil = parsed.validUntil;
  if (parsed.password !== null) r.password = parsed.password;
  return true;
}

/** GRANT role TO member [WITH ADMIN OPTION | WITH ADMIN x, INHERIT x, SET x] [GRANTED BY grantor]. */
function readMembership(s: SqlToken[], out: ParsedGlobals): boolean {
  if (!isKeyword(s[0], 'GRANT') || !isKeyword(s[2], 'TO')) return false;
  const granted = nameOf(s[1]);
  const member = nameOf(s[3]);
  if (granted === null || member === null) return false;
  let i = 4;
  let admin = false;
  if (isKeyword(s[i], 'WITH')) {
    i++;
    for (;;) {
      const opt = s[i];
      const value = s[i + 1];
      if (!(isKeyword(opt, 'ADMIN') || isKeyword(opt, 'INHERIT') || isKeyword(opt, 'SET'))) return false;
      if (!(isKeyword(value, 'OPTION') || isKeyword(value, 'TRUE') || isKeyword(value, 'FALSE'))) return false;
      if (isKeyword(opt, 'ADMIN') && !isKeyword(value, 'FALSE')) admin = true;
      i += 2;
      if (s[i]?.kind === 'punct' && s[i]?.text === ',') i++;
      else break;
    }
  }
  if (isKeyword(s[i], 'GRANTED') && isKeyword(s[i + 1], 'BY') && nameOf(s[i + 2]) !== null) i += 3;
  if (i !== s.length) return false;
  out.memberships.push({ role: granted, member, admin });
  return true;
}

function readTablespace(s: SqlToken[], out: ParsedGlobals): boolean {
  if (s.length !== 7 || !isKeyword(s[0], 'CREATE') || !isKeyword(s[1], 'TABLESPACE') || !isKeyword(s[3], 'OWNER') || !isKeyword(s[5], 'LOCATION')) return false;
  const name = nameOf(s[2]);
  const owner = nameOf(s[4]);
  const location = s[6]?.kind === 'string' ? s[6].text : null;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (name === null || owner === null || location === null || !location.startsWith('/') || /[\u0000-\u001f]/.test(location)) return false;
  out.tablespaces.push({ name, owner, location });
  return true;
}
