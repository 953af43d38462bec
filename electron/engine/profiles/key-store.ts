import { decodeRecoveryKey, encodeRecoveryKey, generateMasterKey, masterKeyFromBytes, type MasterKey } from '../crypto/master-key.js';
import type { KeyResolver } from '../crypto/decrypt-stream.js';
import { missingKeyError } from '../crypto/decrypt-stream.js';
import { LifeboatError } from '../errors.js';
import { readConfig, updateConfig } from './config-file.js';
import { accounts, openKeychain, type Keychain } from './keychain.js';

/**
 * Encryption master keys: the bytes in the OS keychain, the ids and labels in the config file
 * (so `key list` can say which keys this machine should have, and which are missing).
 */

async function store(chain: Keychain, key: MasterKey): Promise<void> {
  await chain.set(accounts.encryptionKey(key.id), key.bytes.toString('base64'));
}

async function remember(env: NodeJS.ProcessEnv, key: MasterKey, label: string | null): Promise<void> {
  await updateConfig(env, (c) => {
    const existing = c.keys.find((k) => k.id === key.id);
    if (existing) existing.label = label ?? existing.label;
    else c.keys.push({ id: key.id, label, createdAt: new Date().toISOString() });
  });
}

export async function createKey(env: NodeJS.ProcessEnv, label: string | null): Promise<MasterKey> {
  const key = generateMasterKey();
  await store(openKeychain(env), key);
  await remember(env, key, label);
  return key;
}

export async function importKey(env: NodeJS.ProcessEnv, recoveryKey: string, label: string | null): Promise<MasterKey> {
  const key = decodeRecoveryKey(recoveryKey);
  await store(openKeychain(env), key);
  await remember(env, key, label);
  return key;
}

/** The key from the keychain, or null when this keychain does not have it. */
export async function loadKey(env: NodeJS.ProcessEnv, keyId: string): Promise<MasterKey | null> {
  const text = await openKeychain(env).get(accounts.encryptionKey(keyId));
  if (text === null) return null;
  const key = masterKeyFromBytes(Buffer.from(text, 'base64'));
  if (key.id !== keyId) {
    throw new LifeboatError('ENCRYPTION_KEY_WRONG', `The keychain entry for key ${keyId} holds a different key (${key.id}); re-import ${keyId} from its recovery key.`);
  }
  return key;
}

export async function requireKey(env: NodeJS.ProcessEnv, keyId: string): Promise<MasterKey> {
  const key = await loadKey(env, keyId);
  if (!key) throw missingKeyError(keyId);
  return key;
}

export async function exportKey(env: NodeJS.ProcessEnv, keyId: string): Promise<string> {
  return encodeRecoveryKey(await requireKey(env, keyId));
}

export interface KeyListing {
  id: string;
  label: string | null;
  createdAt: string | null;
  inKeychain: boolean;
}

/** Keys the config knows about and keys found in the keychain, each with whether the keychain has it. */
export async function listKeys(env: NodeJS.ProcessEnv): Promise<KeyListing[]> {
  const config = await readConfig(env);
  const chain = openKeychain(env);
  const inChain = new Set((await chain.accounts()).filter((a) => a.startsWith('encryption-key/')).map((a) => a.slice('encryption-key/'.length)));
  const out: KeyListing[] = config.keys.map((k) => ({ id: k.id, label: k.label, createdAt: k.createdAt, inKeychain: inChain.has(k.id) }));
  for (const id of inChain) if (!out.some((k) => k.id === id)) out.push({ id, label: null, createdAt: null, inKeychain: true });
  return out;
}

/** The resolver restore, extract, verify --deep and decrypt give the decrypting stream. */
export function keychainKeyResolver(env: NodeJS.ProcessEnv = process.env): KeyResolver {
  return (keyId) => loadKey(env, keyId);
}
