#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: lint (floating promises fail it), type check, build,
# then every vitest project against real PostgreSQL, S3, keychain and Chromium. Ends with the line
# "N passed, N failed" that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."

# Keychain tests need a Secret Service. Re-run this script inside a private D-Bus session with a
# throwaway, unlocked gnome-keyring (see ENVIRONMENT.md): on CI/ssh there is no session bus at all,
# and on a desktop the tests must not write into the user's own keyring. The throwaway keyring's
# files go to a temp HOME/XDG_DATA_HOME, never the real home.
if [ -z "${LIFEBOAT_TEST_IN_DBUS:-}" ] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  keyring_home=$(mktemp -d -t lifeboat-keyring-XXXXXX)
  mkdir -p "$keyring_home/.local/share" "$keyring_home/.config" "$keyring_home/.cache"
  export LIFEBOAT_TEST_IN_DBUS=1
  DBUS_SESSION_BUS_ADDRESS= HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/.local/share" XDG_CONFIG_HOME="$keyring_home/.config" \
  XDG_CACHE_HOME="$keyring_home/.cache" XDG_RUNTIME_DIR="$keyring_home" \
    dbus-run-session -- sh -c 'echo -n lifeboat-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec bash "$0" "$@"' "$0" "$@"
  status=$?
  rm -rf "$keyring_home"
  exit $status
fi

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
