// The S3 server of the tests: Ceph RGW, the real thing (see rgw.ts). One cluster serves the whole
// test run (vitest's globalSetup starts it and passes it in LIFEBOAT_TEST_RGW); each
// startS3Server() gets an S3 user in a tenant of its own, so bucket names never collide between
// test files. Outside vitest (benchmarks) startS3Server() starts a private cluster.
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  AbortMultipartUploadCommand,
  ListBucketsCommand,
} from '@aws-sdk/client-s3';
import { createRgwUser, startRgwCluster, type RgwCluster, type RgwHandle, type RgwUser } from './rgw.js';

export interface S3Server {
  endpoint: string;
  port: number;
  client: S3Client;
  /** This server user's credentials, as the AWS variables Lifeboat reads. */
  env: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_REGION: string };
  accessKeyId: string;
  secretAccessKey: string;
  createBucket(name: string): Promise<void>;
  /** Storage URL for Lifeboat, e.g. s3://bucket/prefix?endpoint=… */
  storageUrl(bucket: string, prefix?: string, extra?: string): string;
  listKeys(bucket: string): Promise<string[]>;
  listMultipartUploads(bucket: string): Promise<string[]>;
  /** Empties and removes this user's buckets (the cluster itself stays for other test files). */
  stop(): Promise<void>;
}

export const RGW_ENV_VAR = 'LIFEBOAT_TEST_RGW';

function sharedCluster(): RgwHandle | null {
  const raw = process.env[RGW_ENV_VAR];
  return raw ? (JSON.parse(raw) as RgwHandle) : null;
}

/** `keys` chooses the user's credentials (a test that plants known secrets); random otherwise. */
export async function startS3Server(keys?: RgwUser): Promise<S3Server> {
  const shared = sharedCluster();
  const own: RgwCluster | null = shared ? null : await startRgwCluster();
  const cluster: RgwHandle = shared ?? { endpoint: own!.endpoint, conf: own!.conf };
  const user = await createRgwUser(cluster.conf, keys);
  const endpoint = cluster.endpoint;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const listKeys = async (bucket: string): Promise<string[]> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  };
  const uploads = async (bucket: string) => (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    client,
    env: { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey, AWS_REGION: 'us-east-1' },
    accessKeyId: user.accessKeyId,
    secretAccessKey: user.secretAccessKey,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    storageUrl(bucket, prefix = '', extra = '') {
      return `s3://${bucket}${prefix ? `/${prefix}` : ''}?endpoint=${encodeURIComponent(endpoint)}${extra}`;
    },
    listKeys,
    async listMultipartUploads(bucket) {
      return (await uploads(bucket)).map((u) => u.Key ?? '');
    },
    async stop() {
      try {
        const buckets = (await client.send(new ListBucketsCommand({}))).Buckets ?? [];
        for (const b of buckets) {
          const name = b.Name ?? '';
          for (const u of await uploads(name)) await client.send(new AbortMultipartUploadCommand({ Bucket: name, Key: u.Key, UploadId: u.UploadId }));
          const keys = await listKeys(name);
          for (let i = 0; i < keys.length; i += 1000) {
            await client.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
          }
          await client.send(new DeleteBucketCommand({ Bucket: name }));
        }
      } finally {
        client.destroy();
        await own?.stop();
      }
    },
  };
}
