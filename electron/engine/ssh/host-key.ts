// The SSH server's host key decides whether a tunnel may carry a database password: it must be the
// key the user pinned, or the one known_hosts lists for that host. Anything else stops the
// connection with the fingerprint seen, so a person can compare it and trust it on purpose.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { LifeboatError } from '../errors.js';

/** OpenSSH's fingerprint: SHA256: then unpadded base64 of the SHA-256 of the key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name at the start of an SSH public key blob (a uint32 length, then the name). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Accepts SHA256:… as ssh-keygen -lf prints it (with or without the trailing '='). */
export function normalizeFingerprint(text: string): string {
  const f = text.trim().replace(/=+$/, '');
  if (!FINGERPRINT.test(f)) {
    throw new LifeboatError('BAD_INPUT', `"${text}" is not an SSH host key fingerprint; give it as ssh-keygen -lf prints it, e.g. SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8.`);
  }
  return f;
}

/** How known_hosts names a host: the bare name on port 22, [name]:port otherwise. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

interface KnownHostLine {
  marker: '@revoked' | '@cert-authority' | null;
  patterns: string;
  keyType: string;
  keyBlob: Buffer;
}

function parseLine(line: string): KnownHostLine | null {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return null;
  const fields = t.split(/\s+/);
  let marker: KnownHostLine['marker'] = null;
  if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostLine['marker'];
  const [patterns, keyType, key] = fields;
  if (!patterns || !keyType || !key) return null;
  return { marker, patterns, keyType, keyBlob: Buffer.from(key, 'base64') };
}

function wildcardMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/** `|1|salt|hash`: HMAC-SHA1 of the name keyed by the salt (HashKnownHosts yes). */
function hashedMatch(entry: string, name: string): boolean {
  const parts = entry.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const expected = Buffer.from(parts[3] ?? '', 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** OpenSSH's rules: any positive pattern matches and no negated (!) pattern does. */
function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatch(patterns, name);
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (wildcardMatch(p.slice(1), name)) return false;
    } else if (wildcardMatch(p, name)) matched = true;
  }
  return matched;
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: 'unknown' | 'changed' | 'revoked' };

/** Checks a key against known_hosts text for host:port. */
export function checkKnownHosts(text: string, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const type = keyTypeOf(keyBlob);
  let listedSameType = false;
  let trusted = false;
  for (const line of text.split('\n')) {
    const entry = parseLine(line);
    if (!entry || !patternsMatch(entry.patterns, name)) continue;
    const same = entry.keyBlob.equals(keyBlob);
    if (entry.marker === '@revoked') {
      if (same) return { ok: false, reason: 'revoked' };
      continue;
    }
    if (entry.marker === '@cert-authority') continue; // host certificates are not supported: such lines never vouch for a plain key
    if (same) trusted = true;
    else if (entry.keyType === type) listedSameType = true;
  }
  if (trusted) return { ok: true };
  return { ok: false, reason: listedSameType ? 'changed' : 'unknown' };
}

/** The one sentence for a host key Lifeboat will not trust, with the fingerprint seen and the way to trust it. */
export function hostKeyRefused(verdict: 'unknown' | 'changed' | 'revoked' | 'mismatch', server: string, keyBlob: Buffer, checkedAgainst: string): LifeboatError {
  const fingerprint = fingerprintOf(keyBlob);
  const seen = `${keyTypeOf(keyBlob)} key ${fingerprint}`;
  const compare = "compare it with what the server's administrator reads from ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server";
  const pin = `the pinned host key ${fingerprint}`;
  const messages = {
    // How to trust it is each surface's hint (a flag on the command line, a field in the app).
    unknown: `The SSH server ${server} is not in ${checkedAgainst} and offered the ${seen}; nothing was sent: ${compare}.`,
    changed: `The SSH server ${server} offered the ${seen}, which is NOT the key ${checkedAgainst} lists for it (someone may be intercepting the connection, or the server was reinstalled); nothing was sent: ${compare}, and only if they match, replace its line in ${checkedAgainst} or pin it with ${pin}.`,
    revoked: `The SSH server ${server} offered the ${seen}, which ${checkedAgainst} marks as revoked; nothing was sent: ask the server's administrator for its current key.`,
    mismatch: `The SSH server ${server} offered the ${seen}, not the pinned ${checkedAgainst} (someone may be intercepting the connection, or the server's key changed); nothing was sent: ${compare}, and only if they match, pin it with ${pin}.`,
  };
  // Only a key nobody listed may be pinned from here; a changed or revoked one needs a person to find out why.
  return new LifeboatError('SSH_HOST_KEY_REFUSED', messages[verdict], verdict === 'unknown' ? { hint: { kind: 'trust-host-key', fingerprint } } : {});
}
