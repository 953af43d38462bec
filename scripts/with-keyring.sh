#!/bin/sh
# Runs a command with a Secret Service available: as it is when a D-Bus session exists (desktop),
# otherwise inside a private D-Bus session with a throwaway, unlocked gnome-keyring (headless
# machines, CI, benchmarks). The throwaway keyring lives in a temp HOME that is removed afterwards.
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || ! command -v dbus-run-session >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exec "$@"
fi
keyring_home=$(mktemp -d -t lifeboat-keyring-XXXXXX)
mkdir -p "$keyring_home/.local/share"
HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/.local/share" XDG_RUNTIME_DIR="$keyring_home" \
  dbus-run-session -- sh -c 'echo -n lifeboat | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' sh "$@"
status=$?
rm -rf "$keyring_home"
exit $status
