// Runs s3rver in its own process: on Node 20 its ListObjectsV2 continuation tokens need the
// legacy OpenSSL provider, which the parent starts this process with (--openssl-legacy-provider)
// instead of turning it on for the whole test run. Prints the port once listening.
const S3rver = require('s3rver');

const [dir, portArg] = process.argv.slice(2);

// Extra access keys ("id:secret,id:secret") the server accepts besides S3RVER:S3RVER; it checks
// signatures, so a test using them proves the secret from the keychain really signed the requests.
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');
for (const pair of (process.env.S3RVER_EXTRA_KEY_PAIRS || '').split(',').filter(Boolean)) {
  const at = pair.indexOf(':');
  DUMMY_ACCOUNT.createKeyPair(pair.slice(0, at), pair.slice(at + 1));
}
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(portArg || 0),
  directory: dir,
  silent: true,
  configureBuckets: [],
});
server.run().then(
  ({ port }) => process.stdout.write(`LISTENING ${port}\n`),
  (e) => {
    process.stderr.write(`s3rver failed: ${e && e.stack}\n`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
