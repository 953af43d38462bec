import { describe, expect, it } from 'vitest';
import { checkPasswordScope, checkS3Scope, pgSecretScope, s3SecretScope } from '../../electron/engine/profiles/secret-scope.js';

const env = { PGUSER: 'me' };

describe('where a stored secret may go', () => {
  it('names a database password by user, host and port, with libpq defaults', () => {
    expect(pgSecretScope('postgresql://app@DB.example/shop', env)).toBe('app@db.example:5432');
    expect(pgSecretScope('postgresql://db.example:6432/shop?sslmode=require', env)).toBe('me@db.example:6432');
    expect(pgSecretScope(null, { PGHOST: 'h', PGPORT: '7', PGUSER: 'u' })).toBe('u@h:7');
  });

  it('keeps the password for another database on the same server, and asks again for any other host, port or user', () => {
    expect(() => checkPasswordScope('postgresql://app@db:5432/shop', 'postgresql://app@db/other?sslmode=require', env)).not.toThrow();
    for (const next of ['postgresql://app@evil:5432/shop', 'postgresql://app@db:5433/shop', 'postgresql://root@db:5432/shop', 'postgresql://app@db/shop?host=evil']) {
      expect(() => checkPasswordScope('postgresql://app@db:5432/shop', next, env), next).toThrow(expect.objectContaining({ code: 'PASSWORD_REQUIRED' }) as Error);
    }
  });

  it('names S3 keys by their endpoint; a folder uses none', () => {
    expect(s3SecretScope('s3://a-bucket', {})).toBe('AWS S3');
    expect(s3SecretScope('s3://a-bucket?endpoint=https://MinIO.example:9000/x', {})).toBe('https://minio.example:9000');
    expect(s3SecretScope('file:///srv/backups', {})).toBeNull();
    expect(() => checkS3Scope('s3://a-bucket?endpoint=https://m.example', 's3://b-bucket/p?endpoint=https://m.example', {})).not.toThrow();
    expect(() => checkS3Scope('s3://a-bucket?endpoint=https://m.example', 'file:///srv', {})).not.toThrow();
    expect(() => checkS3Scope('s3://a-bucket?endpoint=https://m.example', 's3://a-bucket?endpoint=https://evil.example', {})).toThrow(expect.objectContaining({ code: 'S3_CREDENTIALS_REQUIRED' }) as Error);
    expect(() => checkS3Scope('s3://a-bucket', 's3://a-bucket?endpoint=http://127.0.0.1:9', {})).toThrow(/only sent to AWS S3/);
  });
});
