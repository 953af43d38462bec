// Between two timed runs: the previous run's writes reach the disk before the next run starts.
// The test clusters run with fsync=off, so a restore's gigabyte of table files and WAL, and the
// pages a dropped database leaves, sit dirty in the OS's page cache; the kernel writes them back
// whenever it chooses, often in the middle of the *next* variant. Measured on the restore
// benchmark: without this, whichever variant ran after a restore paid for its writeback (the same
// `lifeboat restore` took 14.4 s right after `pg_restore`, 11.5 s after another Lifeboat run).
import { spawn } from 'node:child_process';
import type { PgCluster } from '../../test/support/pg-cluster.js';

export async function settle(pg: PgCluster): Promise<void> {
  // CHECKPOINT writes PostgreSQL's own dirty buffers out to the OS; sync(1) then to the disk.
  await pg.query('CHECKPOINT');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('sync', [], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}
