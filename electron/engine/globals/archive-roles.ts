// Which roles a custom archive needs on the target: the owners of its objects (ALTER … OWNER TO
// that pg_restore writes unless --no-owner) and the roles named by its privileges (ACL and
// DEFAULT ACL entries: grantees, revokees, FOR ROLE, SET SESSION AUTHORIZATION, unless --no-acl).
import { isKeyword, nameOf, sqlStatements, type SqlToken } from './sql-tokens.js';

export interface ArchiveRoles {
  owners: string[];
  grantees: string[];
}

interface TocRoleFields {
  desc: string | null;
  owner: string | null;
  defn: string | null;
}

const ACL_DESCS = new Set(['ACL', 'DEFAULT ACL']);

export function rolesOfToc(entries: readonly TocRoleFields[]): ArchiveRoles {
  const owners = new Set<string>();
  const grantees = new Set<string>();
  for (const e of entries) {
    if (e.owner) owners.add(e.owner);
    if (e.desc !== null && ACL_DESCS.has(e.desc) && e.defn) for (const r of rolesInAcl(e.defn)) grantees.add(r);
  }
  return { owners: [...owners].sort(), grantees: [...grantees].sort() };
}

/** The roles GRANT/REVOKE statements (as pg_dump writes them for ACL entries) name. */
export function rolesInAcl(defn: string): string[] {
  const found = new Set<string>();
  for (const s of sqlStatements(defn)) {
    if (isKeyword(s[0], 'SET') && isKeyword(s[1], 'SESSION') && isKeyword(s[2], 'AUTHORIZATION')) addName(found, s[3]);
    for (let i = 0; i < s.length; i++) {
      if (isKeyword(s[i], 'FOR') && isKeyword(s[i + 1], 'ROLE')) i = readNameList(s, i + 2, found);
      else if ((isKeyword(s[i], 'TO') && isKeyword(s[0], 'GRANT')) || (isKeyword(s[i], 'FROM') && isKeyword(s[0], 'REVOKE'))) i = readNameList(s, i + 1, found);
      else if (isKeyword(s[i], 'GRANT') && i > 0) {
        // ALTER DEFAULT PRIVILEGES … GRANT … TO x: the inner GRANT's grantees.
        const to = s.findIndex((t, j) => j > i && isKeyword(t, 'TO'));
        if (to > 0) i = readNameList(s, to + 1, found);
      } else if (isKeyword(s[i], 'REVOKE') && i > 0) {
        const from = s.findIndex((t, j) => j > i && isKeyword(t, 'FROM'));
        if (from > 0) i = readNameList(s, from + 1, found);
      } else if (isKeyword(s[i], 'GRANTED') && isKeyword(s[i + 1], 'BY')) i = readNameList(s, i + 2, found);
    }
  }
  return [...found];
}

/** Reads `name [, name …]` (PUBLIC is no role and is skipped); returns the index of the last token read. */
function readNameList(s: SqlToken[], start: number, found: Set<string>): number {
  let i = start;
  for (;;) {
    const t = s[i];
    if (isKeyword(t, 'GROUP')) {
      i++;
      continue;
    }
    addName(found, t);
    if (s[i + 1]?.kind === 'punct' && s[i + 1]?.text === ',') i += 2;
    else return i;
  }
}

/** Spelled like names but meaning whoever runs the statement: no role to create. */
const PSEUDO_ROLES = new Set(['current_user', 'session_user', 'current_role']);

function addName(found: Set<string>, t: SqlToken | undefined): void {
  const name = nameOf(t);
  if (name !== null && !(t?.kind === 'word' && PSEUDO_ROLES.has(name))) found.add(name);
}
