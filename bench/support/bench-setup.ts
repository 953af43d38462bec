// What every benchmark starts from: a PostgreSQL 15 cluster holding the benchmark database, an S3
// server with a `bench` bucket, a scratch folder, and the environment the lifeboat CLI runs with.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type PgCluster } from '../../test/support/pg-cluster.js';
import { startS3Server, type S3Server } from '../../test/support/s3-server.js';
import { buildBenchDatabase } from './bench-database.js';
import { findRepoRoot } from './report.js';

export interface BenchSetup {
  repoRoot: string;
  /** bin/lifeboat.js, run with process.execPath as a user would. */
  cli: string;
  work: string;
  pg: PgCluster;
  s3: S3Server;
  /** Size of the `bench` database on disk. */
  dbBytes: number;
  /** For the CLI: the test S3 keys, its own LIFEBOAT_HOME, and no Node-version notice on stderr. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export const log = (s: string): void => void process.stderr.write(`${s}\n`);
export const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MiB`;

export async function setUpBench(name: string, sizeMiB: number, benchDir: string): Promise<BenchSetup> {
  const repoRoot = findRepoRoot(benchDir);
  const work = await mkdtemp(path.join(os.tmpdir(), `lifeboat-bench-${name}-`));
  const [pg, s3] = await Promise.all([startCluster({ major: 15 }), startS3Server()]);
  const close = async (): Promise<void> => {
    await Promise.all([pg.stop(), s3.stop()]);
    await rm(work, { recursive: true, force: true });
  };
  try {
    await s3.createBucket('bench');
    log(`building a ~${sizeMiB} MiB database…`);
    const dbBytes = await buildBenchDatabase(pg, 'bench', sizeMiB);
    log(`database: ${mib(dbBytes)}`);
    const env = { ...process.env, ...s3.env, LIFEBOAT_HOME: path.join(work, 'home'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    return { repoRoot, cli: path.join(repoRoot, 'bin', 'lifeboat.js'), work, pg, s3, dbBytes, env, close };
  } catch (e) {
    await close();
    throw e;
  }
}
