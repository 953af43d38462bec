#!/bin/sh
# Runs a command with a throwaway Secret Service: a private D-Bus session with an unlocked
# gnome-keyring whose files live in a temp HOME removed afterwards (benchmarks create keys and
# profiles; they must not land in the user's own keyring). Where dbus-run-session or
# gnome-keyring-daemon is missing (macOS, Windows), the command runs as it is.
if ! command -v dbus-run-session >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exec "$@"
fi
keyring_home=$(mktemp -d -t lifeboat-keyring-XXXXXX)
mkdir -p "$keyring_home/.local/share"
DBUS_SESSION_BUS_ADDRESS= HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/.local/share" XDG_RUNTIME_DIR="$keyring_home" \
  dbus-run-session -- sh -c 'echo -n lifeboat | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' sh "$@"
status=$?
rm -rf "$keyring_home"
exit $status
