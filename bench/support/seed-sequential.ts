// The seed's way, for comparison: dump plain SQL to a file, gzip the file, then upload it.
// Usage: node seed-sequential.js <db url> <dir> <bucket> <endpoint>
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const [url = '', dir = '', bucket = '', endpoint = ''] = process.argv.slice(2);
const file = path.join(dir, `seed_${process.pid}.sql`);
await execFileAsync('/usr/lib/postgresql/15/bin/pg_dump', ['--format=plain', `--file=${file}`, `--dbname=${url}`]);
await execFileAsync('gzip', ['-6', file]);
const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
await new Upload({ client, params: { Bucket: bucket, Key: `seed/${path.basename(file)}.gz`, Body: createReadStream(`${file}.gz`) } }).done();
await rm(`${file}.gz`, { force: true });
client.destroy();
