import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        // React components in jsdom (26: jsdom 27+ needs Node 22), found by role and name.
        plugins: [react()],
        test: {
          name: 'components',
          sequence: { groupOrder: 0 },
          include: ['test/components/**/*.test.tsx'],
          environment: 'jsdom',
          setupFiles: ['test/components/setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          // One Ceph RGW cluster (the real S3 server) for the whole run.
          globalSetup: ['test/support/rgw-global-setup.ts'],
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          // Each file starts its own PostgreSQL and S3 servers; two files at a time fit two cores.
          maxWorkers: 2,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The real UI in Debian's Chromium through the browser harness, against real servers.
        test: {
          name: 'e2e',
          globalSetup: ['test/support/rgw-global-setup.ts'],
          sequence: { groupOrder: 2 },
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          maxWorkers: 1,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
