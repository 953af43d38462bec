// The storage contract's conformance suite on S3 (Ceph RGW in the tests), plus what only a network
// storage can do: stall, throttle, run out of quota, refuse a storage class or a key.
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../electron/engine/errors.js';
import { S3Storage } from '../../electron/engine/storage/s3-storage.js';
import { parseStorageTarget, type S3Target } from '../../electron/engine/storage/target.js';
import { startFaultyProxy, type Fault } from '../support/faulty-proxy.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { startStallingProxy } from '../support/stalling-proxy.js';
import { describeStorageContract } from '../support/storage-conformance.js';

let s3: S3Server;
let n = 0;

beforeAll(async () => {
  s3 = await startS3Server();
});

afterAll(async () => {
  await s3?.stop();
});

function targetFor(bucket: string, endpoint = s3.endpoint, extra: NodeJS.ProcessEnv = {}, query = ''): S3Target {
  return parseStorageTarget(`s3://${bucket}/p?endpoint=${encodeURIComponent(endpoint)}${query}`, { ...s3.env, ...extra }) as S3Target;
}

async function freshBucket(): Promise<string> {
  const bucket = `contract-${++n}-${process.pid}`;
  await s3.createBucket(bucket);
  return bucket;
}

describeStorageContract('S3', {
  open: async () => {
    const bucket = await freshBucket();
    return {
      storage: new S3Storage(targetFor(bucket)),
      async leaveIncomplete(key) {
        await s3.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      },
    };
  },
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof LifeboatError ? `${e.code}: ${e.message}` : `not a LifeboatError: ${String(e)}`;
  }
}

describe('S3 failures, each in its own class with what to do', () => {
  async function through(fault: Fault, query = ''): Promise<{ storage: S3Storage; close: () => Promise<void> }> {
    const bucket = await freshBucket();
    const proxy = await startFaultyProxy(s3.endpoint, (req) => req.method === 'PUT', fault);
    return { storage: new S3Storage(targetFor(bucket, proxy.endpoint, {}, query)), close: () => proxy.close() };
  }

  it.each([
    [{ status: 403, code: 'QuotaExceeded' }, /^STORAGE_QUOTA_EXCEEDED: .*its quota is used up/],
    [{ status: 503, code: 'SlowDown' }, /^STORAGE_THROTTLED: .*slow down/],
    [{ status: 500, code: 'InternalError' }, /^STORAGE_SERVER_ERROR: .*server error \(InternalError\)/],
    [{ status: 403, code: 'AccessDenied' }, /^STORAGE_ACCESS_DENIED: .*access key/],
  ] as const)('a PUT answered %o', async (fault, expected) => {
    const { storage, close } = await through(fault);
    try {
      expect(await codeOf(storage.putSmall('p/x.json', '{}', { contentType: 'application/json', mode: 'create' }))).toMatch(expected);
      expect(await codeOf(storage.upload('p/x.dump', Readable.from([Buffer.from('dump')]), { contentType: 'application/octet-stream', expectedBytes: 4 }))).toMatch(expected);
    } finally {
      await close();
    }
  });

  it('a wrong secret key is access denied, with no secret in the message', async () => {
    const storage = new S3Storage(targetFor(await freshBucket(), s3.endpoint, { AWS_SECRET_ACCESS_KEY: 'wrong-secret-for-the-test' }));
    const got = await codeOf(storage.putSmall('p/x.json', '{}', { contentType: 'application/json', mode: 'create' }));
    expect(got).toMatch(/^STORAGE_ACCESS_DENIED: /);
    expect(got).not.toContain('wrong-secret-for-the-test');
  });

  it('a storage class the server does not offer is named, with how to change it', async () => {
    const storage = new S3Storage(targetFor(await freshBucket(), s3.endpoint, {}, '&storage_class=GLACIER_IR'));
    const got = await codeOf(storage.upload('p/x.dump', Readable.from([Buffer.from('dump')]), { contentType: 'application/octet-stream', expectedBytes: 4 }));
    expect(got).toMatch(/^STORAGE_CLASS_REFUSED: .*GLACIER_IR.*storage_class=.*BACKUP_STORAGE_CLASS/);
  });

  it('a stalled endpoint fails reads and writes with STORAGE_STALLED after the stall timeout and the SDK retries', async () => {
    const bucket = await freshBucket();
    await new S3Storage(targetFor(bucket)).putSmall('p/x.json', '{}', { contentType: 'application/json', mode: 'create' });
    const proxy = await startStallingProxy(s3.endpoint, (req) => req.method === 'GET' || req.method === 'PUT');
    try {
      const storage = new S3Storage(targetFor(bucket, proxy.endpoint, { LIFEBOAT_STORAGE_STALL_SECONDS: '0.3' }));
      expect(await codeOf(storage.download('p/x.json'))).toMatch(/^STORAGE_STALLED: /);
      expect(await codeOf(storage.putSmall('p/y.json', '{}', { contentType: 'application/json', mode: 'create' }))).toMatch(/^STORAGE_STALLED: .*LIFEBOAT_STORAGE_STALL_SECONDS/);
    } finally {
      await proxy.close();
    }
  });

  it('an SSE request the server does not confirm (RGW stores SSE-S3 unencrypted) fails, and leaves nothing', async () => {
    const bucket = await freshBucket();
    const storage = new S3Storage({ ...targetFor(bucket), serverSideEncryption: { mode: 'AES256' } });
    const got = await codeOf(storage.upload('p/x.dump', Readable.from([Buffer.from('dump')]), { contentType: 'application/octet-stream', expectedBytes: 4 }));
    expect(got).toMatch(/^STORAGE_SSE_UNCONFIRMED: .*without confirming server-side encryption \(AES256\).*removed/);
    expect(await s3.listKeys(bucket)).toEqual([]);
  });
});
