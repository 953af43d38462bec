// Tests talk to the real Secret Service (gnome-keyring in the D-Bus session scripts/test.sh starts).
// Each test gets its own keychain service name, so tests never see each other's entries, and a
// second service name stands for "another machine".
import { AsyncEntry } from '@napi-rs/keyring';
import { randomBytes } from 'node:crypto';
import { tempHome } from './cli.js';

export type TestEnv = Awaited<ReturnType<typeof tempHome>> & { LIFEBOAT_KEYCHAIN_SERVICE: string };

export async function freshMachine(): Promise<TestEnv> {
  return { ...(await tempHome()), LIFEBOAT_KEYCHAIN_SERVICE: `lifeboat-test-${randomBytes(6).toString('hex')}` };
}

/** Reads an entry straight from the Secret Service, bypassing Lifeboat. */
export async function readKeychainEntry(env: TestEnv, account: string): Promise<string | null> {
  return new AsyncEntry(env.LIFEBOAT_KEYCHAIN_SERVICE, account).getPassword();
}

/** An address where no D-Bus session listens: what a headless machine without Secret Service looks like. */
export const NO_KEYCHAIN_ENV = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/lifeboat-no-bus' };

export function keychainAvailable(): boolean {
  return Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
}
