#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: lint (floating promises fail it), type check, build,
# then every vitest project against real PostgreSQL, S3, keychain and Chromium. Ends with the line
# "N passed, N failed" that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."

fail() { echo "$1"; echo "0 passed, 1 failed"; exit 1; }

npm run --silent lint || fail "lint failed"
npm run --silent typecheck || fail "type check failed"
npm run --silent build >/dev/null || fail "build failed"

report=$(mktemp -t lifeboat-vitest-XXXXXX.json)
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failed = r.numFailedTests + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0);
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report" || { echo "0 passed, 1 failed"; status=1; }
rm -f "$report"
exit $status
