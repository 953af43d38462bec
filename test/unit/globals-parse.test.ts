import { describe, expect, it } from 'vitest';
import { globalsKeyFor, parseBackupKey } from '../../shared/backup-key.js';
import { parseManifestText } from '../../shared/manifest.js';
import { rolesInAcl, rolesOfToc } from '../../electron/engine/globals/archive-roles.js';
import { createRoleStatement, grantStatement } from '../../electron/engine/globals/create-roles.js';
import { parseGlobals } from '../../electron/engine/globals/parse-globals.js';
import { createTablespaceStatement, tablespacesOfToc } from '../../electron/engine/globals/restore-tablespaces.js';
import { sqlStatements } from '../../electron/engine/globals/sql-tokens.js';

// What pg_dumpall 15 --globals-only --no-role-passwords writes (and 16's membership form).
const PG_DUMPALL = `--
-- PostgreSQL database cluster dump
--

SET default_transaction_read_only = off;

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

--
-- Roles
--

CREATE ROLE "Report Writer";
ALTER ROLE "Report Writer" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3 VALID UNTIL '2031-01-01 00:00:00+00';
CREATE ROLE app_owner;
ALTER ROLE app_owner WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
CREATE ROLE postgres;
ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;
COMMENT ON ROLE app_owner IS 'owns the app; CREATE ROLE hidden;';
ALTER ROLE app_owner SET search_path TO 'app', 'public';

--
-- Role memberships
--

GRANT app_owner TO "Report Writer" GRANTED BY postgres;
GRANT readers TO app_owner WITH ADMIN OPTION, INHERIT TRUE GRANTED BY postgres;

CREATE TABLESPACE fast OWNER postgres LOCATION '/srv/fast';

--
-- PostgreSQL database cluster dump complete
--
`;

describe('globals sidecar parsing (data, never run)', () => {
  it('reads roles with their allow-listed attributes, memberships and tablespaces, and ignores the rest', () => {
    const g = parseGlobals(PG_DUMPALL);
    expect([...g.roles.keys()]).toEqual(['Report Writer', 'app_owner', 'postgres']);
    const writer = g.roles.get('Report Writer');
    expect(writer).toMatchObject({ connectionLimit: 3, validUntil: '2031-01-01 00:00:00+00', password: null });
    expect(writer?.flags).toContain('LOGIN');
    expect(g.memberships).toEqual([
      { role: 'app_owner', member: 'Report Writer', admin: false },
      { role: 'readers', member: 'app_owner', admin: true },
    ]);
    expect(g.tablespaces).toEqual([{ name: 'fast', owner: 'postgres', location: '/srv/fast' }]);
    // SETs, the COMMENT (whose text holds "CREATE ROLE hidden") and ALTER ROLE … SET are ignored.
    expect(g.roles.has('hidden')).toBe(false);
    expect(g.ignored).toBe(5);
  });

  it('a hostile sidecar yields only names and allow-listed attributes; meta-commands, COPY PROGRAM, DO blocks are never recognised', () => {
    const hostile = `
\\! rm -rf /
COPY (SELECT 1) TO PROGRAM 'touch /tmp/pwned';
CREATE ROLE x; DROP DATABASE shop;
DO $$BEGIN EXECUTE 'DROP DATABASE shop'; END$$;
CREATE ROLE "a"";DROP DATABASE shop;--";
ALTER ROLE x WITH LOGIN; ALTER ROLE x WITH SUPERUSER$$;
ALTER ROLE x WITH LOGIN IN ROLE pg_execute_server_program;
ALTER ROLE x WITH PASSWORD 'ok' LOGIN;
GRANT pg_execute_server_program TO x; SELECT pg_sleep(100);
GRANT ALL ON DATABASE shop TO x;
CREATE ROLE y WITH SUPERUSER;
CREATE TABLESPACE t OWNER x LOCATION 'relative';
`;
    const g = parseGlobals(hostile);
    expect([...g.roles.keys()].sort()).toEqual(['a";DROP DATABASE shop;--', 'x']);
    // Only the fully understood ALTER ROLE statements count.
    expect(g.roles.get('x')).toMatchObject({ flags: ['LOGIN', 'LOGIN'], password: 'ok' });
    expect(g.memberships).toEqual([{ role: 'pg_execute_server_program', member: 'x', admin: false }]);
    expect(g.tablespaces).toEqual([]);
    // What Lifeboat would issue: quoted names, nothing else from the text.
    expect(createRoleStatement(g.roles.get('a";DROP DATABASE shop;--') as never)).toBe('CREATE ROLE "a"";DROP DATABASE shop;--"');
    expect(createRoleStatement(g.roles.get('x') as never)).toBe(`CREATE ROLE "x" WITH LOGIN PASSWORD 'ok'`);
    expect(grantStatement({ role: 'r"x', member: "m'y", admin: true })).toBe(`GRANT "r""x" TO "m'y" WITH ADMIN OPTION`);
  });

  it('splits statements where the server would: not inside strings, dollar quotes, quoted names or comments', () => {
    const s = sqlStatements(`SELECT 'a;b', $x$ ; $x$, "c;d" /* ; /* nested ; */ ; */ ; -- ; \nSELECT E'\\';'`);
    expect(s).toHaveLength(2);
    expect(s[1]).toEqual([{ kind: 'word', text: 'SELECT' }, { kind: 'string', text: "';" }]);
  });

  it('the last of repeated attributes wins, each issued once (the server refuses repeats)', () => {
    const g = parseGlobals('CREATE ROLE r; ALTER ROLE r WITH NOLOGIN; ALTER ROLE r WITH LOGIN CONNECTION LIMIT -1;');
    expect(createRoleStatement(g.roles.get('r') as never)).toBe('CREATE ROLE "r" WITH LOGIN CONNECTION LIMIT -1');
  });

  it('never gives SUPERUSER, REPLICATION or BYPASSRLS from a file in storage', () => {
    const g = parseGlobals(PG_DUMPALL);
    expect(createRoleStatement(g.roles.get('postgres') as never)).toBe('CREATE ROLE "postgres" WITH INHERIT CREATEROLE CREATEDB LOGIN');
  });
});

describe('roles an archive refers to', () => {
  it('owners of every entry and the roles named in ACL and DEFAULT ACL entries, not PUBLIC', () => {
    const roles = rolesOfToc([
      { desc: 'TABLE', owner: 'app_owner', defn: 'CREATE TABLE app.orders (id int);' },
      { desc: 'ACL', owner: 'app_owner', defn: 'GRANT SELECT ON TABLE app.orders TO readers;\nGRANT INSERT(id) ON TABLE app.orders TO "Report Writer" WITH GRANT OPTION;\nREVOKE ALL ON SCHEMA public FROM PUBLIC;' },
      { desc: 'DEFAULT ACL', owner: 'app_owner', defn: 'ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA app GRANT SELECT ON TABLES TO auditor;' },
      { desc: 'ACL', owner: 'x', defn: 'SET SESSION AUTHORIZATION grantor;\nGRANT USAGE ON SCHEMA s TO a, b;\nRESET SESSION AUTHORIZATION;' },
      { desc: 'COMMENT', owner: null, defn: "COMMENT ON TABLE t IS 'GRANT x TO evil';" },
    ]);
    expect(roles.owners).toEqual(['app_owner', 'x']);
    expect(roles.grantees).toEqual(['Report Writer', 'a', 'app_owner', 'auditor', 'b', 'grantor', 'readers']);
    expect(rolesInAcl('GRANT SELECT ON TABLE t TO CURRENT_USER;')).toEqual([]);
  });
});

describe('the globals sidecar beside a backup', () => {
  it('is named after the backup, .enc when encrypted, and never taken for a backup', () => {
    const key = 'db/2026/12/01/shop_20261201_020000.dump';
    expect(globalsKeyFor(key, false)).toBe(`${key}.globals.sql`);
    expect(globalsKeyFor(`${key}.enc`, true)).toBe(`${key}.enc.globals.sql.enc`);
    expect(parseBackupKey(globalsKeyFor(key, false))).toBeNull();
    expect(parseBackupKey(globalsKeyFor(`${key}.enc`, true))).toBeNull();
  });

  it('older manifests (no globals fields) still read, and the new fields are validated', () => {
    const key = 'db/2026/12/01/shop_20261201_020000.dump';
    const base = {
      formatVersion: 1, key, database: 'shop', format: 'custom', compression: 'pg_dump',
      server: { version: '15.20', versionNum: 150020, host: 'h', port: 5432 }, pgDump: { version: '15.20', major: 15, path: '/x' },
      startedAt: '2026-12-01T02:00:00Z', finishedAt: '2026-12-01T02:00:01Z', sizeBytes: 1, sha256: 'a'.repeat(64), rowCounts: 'exact', tables: [],
      label: null, pinned: false, storageClass: null, lifeboatVersion: '0.1.0', encryption: null,
    };
    expect(parseManifestText(JSON.stringify(base), key).status).toBe('ok');
    const withGlobals = { ...base, globals: { name: 'shop_20261201_020000.dump.globals.sql', sizeBytes: 10, sha256: 'b'.repeat(64), rolePasswords: false, pgDumpall: { version: '15.20', major: 15 } }, roles: { owners: ['a'], grantees: [] } };
    expect(parseManifestText(JSON.stringify(withGlobals), key).status).toBe('ok');
    const climbing = { ...withGlobals, globals: { ...withGlobals.globals, name: '../../other/x.globals.sql' } };
    expect(parseManifestText(JSON.stringify(climbing), key).status).toBe('damaged');
  });
});

describe('tablespaces a restore needs', () => {
  it('are the ones the archive places objects in, other than the default, each once', () => {
    expect(tablespacesOfToc([{ tablespace: '' }, { tablespace: null }, { tablespace: 'pg_default' }, { tablespace: 'fast' }, { tablespace: 'Archive Disk' }, { tablespace: 'fast' }])).toEqual(['Archive Disk', 'fast']);
    expect(tablespacesOfToc([])).toEqual([]);
  });

  it('are created with statements Lifeboat builds, every name and location quoted; owned as recorded only when that role exists', () => {
    const t = { name: 'a";DROP DATABASE x;--', owner: 'Report Writer', location: "/srv/it's here" };
    expect(createTablespaceStatement(t, true)).toBe(`CREATE TABLESPACE "a"";DROP DATABASE x;--" OWNER "Report Writer" LOCATION '/srv/it''s here'`);
    expect(createTablespaceStatement(t, false)).toBe(`CREATE TABLESPACE "a"";DROP DATABASE x;--" LOCATION '/srv/it''s here'`);
  });
});
