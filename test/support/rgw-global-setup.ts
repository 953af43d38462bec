// vitest globalSetup: one RGW cluster for the whole test run (about 5–10 s to start), handed to
// every test process in LIFEBOAT_TEST_RGW and removed at the end.
import { startRgwCluster, type RgwCluster } from './rgw.js';
import { RGW_ENV_VAR } from './s3-server.js';

let cluster: RgwCluster | null = null;

export async function setup(): Promise<void> {
  if (process.env[RGW_ENV_VAR]) return;
  cluster = await startRgwCluster();
  process.env[RGW_ENV_VAR] = JSON.stringify({ endpoint: cluster.endpoint, conf: cluster.conf });
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  cluster = null;
}
