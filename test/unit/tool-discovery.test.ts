import { describe, expect, it } from 'vitest';
import { candidateDirPatterns, chooseTool, noSuitableToolMessage, parseToolVersion, type PgToolCandidate } from '../../electron/engine/pg/tool-discovery.js';

const c = (version: string, path = `/usr/lib/postgresql/${version.split('.')[0]}/bin/pg_dump`): PgToolCandidate => ({
  path,
  version,
  major: Number(version.split('.')[0]),
});

describe('pg tool discovery', () => {
  it('reads versions as the tools print them', () => {
    expect(parseToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n')).toEqual({ version: '15.20', major: 15 });
    expect(parseToolVersion('pg_restore (PostgreSQL) 17.2\n')).toEqual({ version: '17.2', major: 17 });
    expect(parseToolVersion('pg_dump (PostgreSQL) 9.6.24')).toEqual({ version: '9.6.24', major: 9 });
    expect(parseToolVersion('something else')).toBeNull();
  });

  it('picks the closest major that is not older than the server', () => {
    const found = [c('14.1'), c('17.2'), c('15.20'), c('16.4')];
    expect(chooseTool(found, 15)?.version).toBe('15.20');
    expect(chooseTool(found, 16)?.version).toBe('16.4');
    expect(chooseTool(found, 13)?.version).toBe('14.1');
    expect(chooseTool(found, 18)).toBeNull();
  });

  it('prefers a configured folder when it qualifies, not when it is too old', () => {
    const found = [c('16.4'), c('17.2', '/opt/pg17/bin/pg_dump'), c('15.1', '/opt/pg15/bin/pg_dump')];
    expect(chooseTool(found, 16, '/opt/pg17/bin')?.path).toBe('/opt/pg17/bin/pg_dump');
    expect(chooseTool(found, 16, '/opt/pg15/bin')?.version).toBe('16.4');
  });

  it('looks in the usual places on every platform', () => {
    const linux = candidateDirPatterns('linux', { PATH: '/usr/bin' });
    expect(linux).toEqual(expect.arrayContaining(['/usr/lib/postgresql/*/bin', '/usr/pgsql-*/bin', '/usr/bin', '/Applications/Postgres.app/Contents/Versions/*/bin', '/opt/homebrew/opt/postgresql@*/bin']));
    const win = candidateDirPatterns('win32', { PATH: '', ProgramFiles: 'C:\\Program Files' });
    expect(win).toContain('C:\\Program Files\\PostgreSQL\\*\\bin');
  });

  it('explains a missing tool with the server version, the versions found and how to install', () => {
    const msg = noSuitableToolMessage('pg_dump', 'server version 17.6, major', 17, [c('15.20')], 'linux');
    expect(msg).toContain('17');
    expect(msg).toContain('15.20');
    expect(msg).toContain('postgresql-client-17');
    expect(noSuitableToolMessage('pg_dump', 'server version 17.6, major', 17, [], 'darwin')).toContain('brew install postgresql@17');
  });
});
