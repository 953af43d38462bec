// A real S3-compatible HTTP server (s3rver) on loopback, in its own process, reached through the
// real AWS SDK. Tests create buckets in it and point Lifeboat at it with ?endpoint=.
import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface S3Server {
  endpoint: string;
  port: number;
  /** Folder where s3rver keeps objects (to check that nothing was left behind on disk). */
  dir: string;
  client: S3Client;
  createBucket(name: string): Promise<void>;
  /** Storage URL for Lifeboat, e.g. s3://bucket/prefix?endpoint=… */
  storageUrl(bucket: string, prefix?: string, extra?: string): string;
  listKeys(bucket: string): Promise<string[]>;
  listMultipartUploads(bucket: string): Promise<string[]>;
  stop(): Promise<void>;
}

export const TEST_S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

export async function startS3Server(port = 0): Promise<S3Server> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-s3-'));
  // The .cjs file sits beside this one in the source tree (benchmarks run this file from dist/).
  const childScript = [path.join(import.meta.dirname, 's3rver-child.cjs'), path.resolve(import.meta.dirname, '../../../test/support/s3rver-child.cjs')].find((p) => existsSync(p)) ?? '';
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', childScript, dir, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const actualPort = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}): ${err}`)));
  });
  const endpoint = `http://127.0.0.1:${actualPort}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    port: actualPort,
    dir,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    storageUrl(bucket, prefix = '', extra = '') {
      return `s3://${bucket}${prefix ? `/${prefix}` : ''}?endpoint=${encodeURIComponent(endpoint)}${extra}`;
    },
    async listKeys(bucket) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async listMultipartUploads(bucket) {
      try {
        const r = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        return (r.Uploads ?? []).map((u) => u.Key ?? '');
      } catch {
        return [];
      }
    },
    async stop() {
      client.destroy();
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
