import { describe, expect, it } from 'vitest';
import { withCliHint } from '../../electron/cli/hint-text.js';
import { LifeboatError } from '../../electron/engine/errors.js';
import { parseStorageTarget } from '../../electron/engine/storage/target.js';

describe('storage URLs', () => {
  it('default to the local folder under LIFEBOAT_HOME', () => {
    expect(parseStorageTarget(undefined, { LIFEBOAT_HOME: '/tmp/lbh' })).toEqual({ kind: 'file', root: '/tmp/lbh/backups', prefix: 'database_backups' });
  });

  it('use the seed variables when no URL is given', () => {
    const t = parseStorageTarget(undefined, { BACKUP_S3_BUCKET: 'celebra-backups', AWS_S3_REGION_NAME: 'sa-east-1' });
    expect(t).toMatchObject({ kind: 's3', bucket: 'celebra-backups', prefix: 'database_backups', region: 'sa-east-1', storageClass: 'STANDARD_IA' });
  });

  it('read endpoint, region, path style and storage class', () => {
    const t = parseStorageTarget('s3://my-bucket/team/pg?storage_class=standard', { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-1' });
    expect(t).toMatchObject({ kind: 's3', bucket: 'my-bucket', prefix: 'team/pg', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', forcePathStyle: true, storageClass: 'STANDARD' });
    expect(parseStorageTarget('s3://my-bucket', {})).toMatchObject({ endpoint: undefined, forcePathStyle: false });
  });

  it('reject bad URLs with one clear sentence', () => {
    for (const bad of ['ftp://x/y', 's3://Bad_Bucket', 'just-a-name', 's3://ok-bucket?storage_class=COLD', 's3://ok-bucket?endpoint=nope']) {
      let err: unknown;
      try {
        parseStorageTarget(bad, {});
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(LifeboatError);
      expect((err as LifeboatError).code).toBe('BAD_STORAGE_URL');
      expect((err as LifeboatError).message).toMatch(/use s3:\/\/bucket/);
      expect((err as LifeboatError).message).not.toContain('secret');
    }
  });

  it('refuse credentials anywhere in a storage URL, saying where keys go and without repeating them', () => {
    for (const bad of ['s3://user:Pw0rdX@ok-bucket', 's3://ok-bucket?endpoint=https://KEY:Pw0rdX@minio.example', 's3://ok-bucket?endpoint=https%3A%2F%2FKEY%3APw0rdX%40minio.example', 'file://user:Pw0rdX@localhost/srv']) {
      let err: unknown;
      try {
        parseStorageTarget(bad, {});
      } catch (e) {
        err = e;
      }
      expect((err as LifeboatError).code, bad).toBe('BAD_STORAGE_URL');
      expect((err as LifeboatError).message).not.toContain('Pw0rdX');
      expect((err as LifeboatError).hint).toEqual({ kind: 's3-keys-in-keychain' });
      expect(withCliHint((err as LifeboatError).message, (err as LifeboatError).hint)).toMatch(/keep S3 keys in the keychain .*--s3-access-key-id ID --s3-secret-stdin.* or in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    }
    expect(() => parseStorageTarget('s3://ok-bucket', { AWS_ENDPOINT_URL: 'https://KEY:Pw0rdX@minio.example' })).toThrow(/The S3 endpoint from AWS_ENDPOINT_URL_S3\/AWS_ENDPOINT_URL holds credentials/);
  });

  it('accept file URLs with a prefix', () => {
    expect(parseStorageTarget('file:///srv/backups?prefix=pg', {})).toEqual({ kind: 'file', root: '/srv/backups', prefix: 'pg' });
  });
});
