// A restore plan as restore.review answers it, for tests of the restore wizard (reducer and screen).
import type { RestoreReview } from '../../shared/ipc-contract.js';

export const REVIEWED_KEY = 'database_backups/2026/11/25/shop_20261125_101112.dump';

export function restoreReview(over: Partial<RestoreReview> = {}): RestoreReview {
  return {
    plannedAt: '2026-11-25T12:00:00.000Z',
    backup: { key: REVIEWED_KEY, storage: 's3://backups/database_backups', createdAt: '2026-11-25T10:11:12.000Z', sizeBytes: 2048, database: 'shop', hasManifest: true, serverVersion: '15.20', format: 'custom', encrypted: false },
    downloads: [{ key: REVIEWED_KEY, bytes: 2048 }],
    destination: { server: '127.0.0.1:5432', serverVersion: '15.20', database: 'lifeboat_shop_20261125_120000', action: 'create-temporary', exists: false, objectCount: null },
    selection: { tables: [], schemas: [] },
    tool: 'pg_restore',
    steps: ['Download the backup once.'],
    warnings: [],
    destructive: false,
    confirmName: null,
    ...over,
  };
}
