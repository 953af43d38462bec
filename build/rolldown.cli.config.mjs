// The CLI as one bundle (plus lazily loaded chunks such as the S3 backend): Node spends most of a
// command's start-up resolving and reading ~300 separate ES modules; one file starts ~0.6 s sooner
// (docs/benchmarks.md). Input is tsc's output, so types are checked exactly as before.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: { lifeboat: 'dist/electron/cli/main.js' },
  platform: 'node',
  // Native addons, and libraries that look for optional native parts at run time (ssh2's crypto
  // binding, cpu-features), stay outside the bundle, loaded from node_modules as they expect.
  external: ['@napi-rs/keyring', 'pg-native', 'electron', 'ssh2', 'cpu-features'],
  output: { dir: 'dist/cli', cleanDir: true, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true },
});
