// A profile's copy destinations (`--copy-to`, "Also copy to…"): URLs in the config file, and the S3
// keys of each destination in the keychain under the endpoint they were given for, so editing a
// URL to point elsewhere can never send them there (the same rule as secret-scope.ts).
import type { CopyDestination, Profile } from '../../../shared/profile.js';
import { checkCopyTargets, parseCopyTargets } from '../copies/copy-targets.js';
import { LifeboatError } from '../errors.js';
import { parseStorageTarget, type StorageTarget } from '../storage/target.js';
import { accounts, type Keychain } from './keychain.js';
import { s3SecretScope } from './secret-scope.js';

export interface CopyCredentials {
  /** Which copy destination's endpoint the keys are for; needed only when the copies reach several. */
  forUrl?: string | undefined;
  accessKeyId: string;
  secretAccessKey: string;
}

function scopesOf(urls: readonly string[], env: NodeJS.ProcessEnv): Set<string> {
  return new Set(urls.map((u) => s3SecretScope(u, env)).filter((s): s is string => s !== null));
}

/** The endpoint new copy keys are stored for; one sentence when it is ambiguous or not a copy's. */
function scopeForKeys(urls: readonly string[], creds: CopyCredentials, env: NodeJS.ProcessEnv): string {
  if (!creds.accessKeyId || !creds.secretAccessKey) throw new LifeboatError('BAD_INPUT', 'S3 credentials for a copy need both an access key id and a secret access key.');
  const scopes = scopesOf(urls, env);
  if (creds.forUrl !== undefined) {
    const scope = s3SecretScope(creds.forUrl, env);
    if (scope === null || !scopes.has(scope)) throw new LifeboatError('BAD_INPUT', `The copy keys are for ${creds.forUrl}, which is not one of this profile's S3 copy destinations; name one of them.`);
    return scope;
  }
  if (scopes.size === 1) return [...scopes][0] as string;
  if (scopes.size === 0) throw new LifeboatError('BAD_INPUT', 'S3 keys for copies were given, but the profile copies to no S3 destination; add one with --copy-to s3://bucket?endpoint=….');
  throw new LifeboatError('BAD_INPUT', `The copies reach ${scopes.size} S3 endpoints (${[...scopes].join(', ')}); say which one the keys are for with --copy-keys-for URL.`);
}

export interface CopyPlan {
  copies: CopyDestination[];
  /** Keychain work, done before the config is written (a profile never names a secret that was not stored). */
  store: { scope: string; accessKeyId: string; secretAccessKey: string } | null;
  forget: string[];
}

/**
 * The copy list after a change: `urls` (undefined keeps the list) and `creds` (undefined keeps the
 * stored keys, null forgets them all). Checks everything before anything is written.
 */
export function planCopies(profile: Profile, storageUrl: string | null, urls: readonly string[] | undefined, creds: CopyCredentials | null | undefined, env: NodeJS.ProcessEnv): CopyPlan {
  const next = urls ?? profile.copies.map((c) => c.url);
  const targets = parseCopyTargets(next, env);
  checkCopyTargets(parseStorageTarget(storageUrl ?? undefined, env), targets);
  const before = new Set(profile.copies.filter((c) => c.credentialsInKeychain).map((c) => s3SecretScope(c.url, env)).filter((s): s is string => s !== null));
  const inUse = scopesOf(next, env);
  const store = creds ? { scope: scopeForKeys(next, creds, env), accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey } : null;
  const kept = new Set(creds === null ? [] : [...before].filter((s) => inUse.has(s)));
  if (store) kept.add(store.scope);
  const forget = [...before].filter((s) => !kept.has(s));
  const copies = next.map((url) => {
    const scope = s3SecretScope(url, env);
    return { url, credentialsInKeychain: scope !== null && kept.has(scope) };
  });
  return { copies, store, forget };
}

export async function applyCopySecrets(chain: Keychain, name: string, plan: CopyPlan): Promise<void> {
  if (plan.store) {
    await chain.set(accounts.copyS3AccessKeyId(name, plan.store.scope), plan.store.accessKeyId);
    await chain.set(accounts.copyS3SecretAccessKey(name, plan.store.scope), plan.store.secretAccessKey);
  }
  for (const scope of plan.forget) await forgetCopyKeys(chain, name, scope);
}

export async function forgetCopyKeys(chain: Keychain, name: string, scope: string): Promise<void> {
  await chain.delete(accounts.copyS3AccessKeyId(name, scope));
  await chain.delete(accounts.copyS3SecretAccessKey(name, scope));
}

/** Every endpoint a profile keeps copy keys for (to remove them with the profile). */
export function storedCopyScopes(profile: Profile, env: NodeJS.ProcessEnv): string[] {
  return [...scopesOf(profile.copies.filter((c) => c.credentialsInKeychain).map((c) => c.url), env)];
}

/** The profile's copy destinations as targets, each with the keys stored for its own endpoint. */
export async function resolveCopyTargets(profile: Profile, env: NodeJS.ProcessEnv, chain: () => Keychain): Promise<StorageTarget[]> {
  const out: StorageTarget[] = [];
  for (const c of profile.copies) {
    const target = parseStorageTarget(c.url, env);
    const scope = s3SecretScope(c.url, env);
    if (target.kind === 's3' && c.credentialsInKeychain && scope !== null) {
      const accessKeyId = await chain().get(accounts.copyS3AccessKeyId(profile.name, scope));
      const secretAccessKey = await chain().get(accounts.copyS3SecretAccessKey(profile.name, scope));
      if (accessKeyId === null || secretAccessKey === null) {
        throw new LifeboatError('KEYCHAIN_UNAVAILABLE', `The profile "${profile.name}" keeps the S3 keys of its copy to ${c.url} in the keychain, but the keychain has no such entry.`, { hint: { kind: 'store-secret-again', profile: profile.name, secret: 'copy-s3-keys' } });
      }
      target.credentials = { accessKeyId, secretAccessKey };
    }
    out.push(target);
  }
  return out;
}
