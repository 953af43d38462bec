import { describe, expect, it } from 'vitest';
import { databaseNameOf, parsePgConnection, pgClientConfig, pgToolConnection } from '../../electron/engine/pg/connection.js';

/** What libpq will read for one query parameter: it decodes %XX and takes every other byte, `+` included, as written. */
function libpqValue(url: string, name: string): string | null {
  const query = url.split('?')[1] ?? '';
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    if (decodeURIComponent(k) === name) return decodeURIComponent(v);
  }
  return null;
}

describe('query values in database URLs reach the tools unchanged', () => {
  it.each([
    ['percent-encoded', 'postgresql://app:pw@db:5432/prod?options=-c%20statement_timeout%3D1'],
    ['written with spaces', 'postgresql://app:pw@db:5432/prod?options=-c statement_timeout=1'],
    ['with a password parameter beside it', 'postgresql://app@db:5432/prod?password=pw&options=-c%20statement_timeout%3D1'],
  ])('options %s', (_, url) => {
    const conn = parsePgConnection(url, {});
    expect(conn.password).toBe('pw');
    const arg = pgToolConnection(conn, {}).args[0] ?? '';
    expect(arg).not.toContain('pw');
    expect(libpqValue(arg.replace(/^--dbname=/, ''), 'options')).toBe('-c statement_timeout=1');
    // node-postgres reads the same value from the same URL.
    expect(pgClientConfig(conn).options).toBe('-c statement_timeout=1');
  });

  it('a literal + means + to libpq and to node-postgres alike', () => {
    const conn = parsePgConnection('postgresql://app@db/prod?application_name=a+b', {});
    const url = (pgToolConnection(conn, {}).args[0] ?? '').replace(/^--dbname=/, '');
    expect(libpqValue(url, 'application_name')).toBe('a+b');
    expect(pgClientConfig(conn).application_name).toBe('a+b');
  });

  it('keeps other parameters, and a changed database name, as written', () => {
    const conn = parsePgConnection('postgresql://app@db/prod?application_name=x y&sslmode=require&target_session_attrs=read-write', {});
    const url = (pgToolConnection(conn, {}, 'other db').args[0] ?? '').replace(/^--dbname=/, '');
    expect(libpqValue(url, 'application_name')).toBe('x y');
    expect(libpqValue(url, 'sslmode')).toBe('require');
    expect(libpqValue(url, 'target_session_attrs')).toBe('read-write');
    expect(url).toContain('/other%20db?');
  });
});

describe('databaseNameOf: the database a connection names, without connecting (as libpq)', () => {
  it('takes the URL path, then dbname=, then PGDATABASE, then the user name', () => {
    expect(databaseNameOf(parsePgConnection('postgresql://app@db:5432/shop'), {})).toBe('shop');
    expect(databaseNameOf(parsePgConnection('postgresql://app@db/?dbname=crm'), {})).toBe('crm');
    expect(databaseNameOf(parsePgConnection('postgresql://app@db'), { PGDATABASE: 'billing' })).toBe('billing');
    expect(databaseNameOf(parsePgConnection('postgresql://app@db'), {})).toBe('app');
    expect(databaseNameOf(parsePgConnection(undefined, {}), { PGDATABASE: 'env_db', PGUSER: 'u' })).toBe('env_db');
    expect(databaseNameOf(parsePgConnection(undefined, {}), { PGUSER: 'u' })).toBe('u');
  });
});
