import { describe, expect, it } from 'vitest';
import { buildBackupKey, keySafeDatabaseName, manifestKeyFor, parseBackupKey } from '../../shared/backup-key.js';

describe('backup keys', () => {
  const at = new Date(Date.UTC(2023, 4, 15, 3, 10, 12));

  it('follow the seed layout exactly, in UTC', () => {
    expect(buildBackupKey({ prefix: 'database_backups', dbName: 'celebra_capital', startedAt: at, format: 'plain' })).toBe(
      'database_backups/2023/05/15/celebra_capital_20230515_031012.sql.gz',
    );
    expect(buildBackupKey({ prefix: '/custom/prefix/', dbName: 'app', startedAt: at, format: 'custom' })).toBe(
      'custom/prefix/2023/05/15/app_20230515_031012.dump',
    );
  });

  it('use the UTC date even when the local date differs', () => {
    const lateUtc = new Date(Date.UTC(2024, 11, 31, 23, 59, 59));
    expect(buildBackupKey({ prefix: 'p', dbName: 'd', startedAt: lateUtc, format: 'custom' })).toBe('p/2024/12/31/d_20241231_235959.dump');
  });

  it('make odd database names shell-safe while keeping letters of any script', () => {
    expect(keySafeDatabaseName(`my db's "x"`)).toBe('my-db-s-x');
    expect(keySafeDatabaseName('Ünïcode_数据')).toBe('Ünïcode_数据');
    expect(keySafeDatabaseName('"""')).toBe('database');
  });

  it('parse back what they build, and seed-written keys', () => {
    const key = buildBackupKey({ prefix: 'database_backups', dbName: 'app', startedAt: at, format: 'custom', encrypted: true });
    expect(parseBackupKey(key)).toMatchObject({ dbName: 'app', format: 'custom', encrypted: true, prefix: 'database_backups' });
    const seed = parseBackupKey('database_backups/2023/05/15/celebra_capital_20230515_031012.sql.gz');
    expect(seed).toMatchObject({ dbName: 'celebra_capital', format: 'plain', gzip: true, encrypted: false });
    expect(seed?.createdAt.toISOString()).toBe('2023-05-15T03:10:12.000Z');
  });

  it('reject sidecars, wrong folders and impossible dates', () => {
    expect(parseBackupKey(manifestKeyFor('database_backups/2023/05/15/a_20230515_031012.dump'))).toBeNull();
    expect(parseBackupKey('database_backups/2023/05/16/a_20230515_031012.dump')).toBeNull();
    expect(parseBackupKey('database_backups/2023/02/30/a_20230230_031012.dump')).toBeNull();
    expect(parseBackupKey('a_20230515_031012.dump')).toBeNull();
    expect(parseBackupKey('database_backups/2023/05/15/notes.txt')).toBeNull();
  });
});
