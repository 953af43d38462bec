// How a database is reached through an SSH server: who logs in where, with what, and how the
// server's host key is checked. The private key is held behind a function so that printing or
// serialising a connection (logs, events, JSON) never carries it.
import os from 'node:os';
import path from 'node:path';
import type { ParsedKey } from 'ssh2';
import { ssh2 } from './ssh2-lib.js';
import { LifeboatError } from '../errors.js';
import { normalizeFingerprint } from './host-key.js';

export type SshAuth = { kind: 'key'; privateKey: () => string } | { kind: 'agent' };
export type SshHostCheck = { kind: 'fingerprint'; fingerprint: string } | { kind: 'known-hosts'; file: string };

export interface SshRoute {
  user: string;
  host: string;
  port: number;
  auth: SshAuth;
  hostCheck: SshHostCheck;
}

export interface SshDestination {
  user: string;
  host: string;
  port: number;
}

const DESTINATION = /^([^@\s:/]+)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

/** user@host[:port] (an IPv6 address in brackets), as --ssh takes it. */
export function parseSshDestination(text: string): SshDestination {
  const m = DESTINATION.exec(text.trim());
  const port = m?.[3] === undefined ? 22 : Number(m[3]);
  if (!m || !m[1] || !m[2] || port < 1 || port > 65535) {
    throw new LifeboatError('BAD_INPUT', `"${text}" is not an SSH destination; write it as user@host or user@host:port, e.g. deploy@bastion.example.com:22.`);
  }
  return { user: m[1], host: m[2].replace(/^\[|\]$/g, '').toLowerCase(), port };
}

export function formatSshDestination(d: SshDestination): string {
  const host = d.host.includes(':') ? `[${d.host}]` : d.host;
  return `${d.user}@${host}${d.port === 22 ? '' : `:${d.port}`}`;
}

/** The default known_hosts, as ssh uses it. */
export function defaultKnownHosts(env: NodeJS.ProcessEnv): string {
  return path.join(env.HOME || os.homedir(), '.ssh', 'known_hosts');
}

export function hostCheckFrom(knownHostsFile: string | null | undefined, hostKey: string | null | undefined, env: NodeJS.ProcessEnv): SshHostCheck {
  if (knownHostsFile && hostKey) {
    throw new LifeboatError('BAD_INPUT', 'Give either a known_hosts file or a pinned host key fingerprint, not both: one of them decides which host key is trusted.');
  }
  if (hostKey) return { kind: 'fingerprint', fingerprint: normalizeFingerprint(hostKey) };
  return { kind: 'known-hosts', file: knownHostsFile ? path.resolve(knownHostsFile) : defaultKnownHosts(env) };
}

/**
 * Checks that text is a private key ssh2 can use without asking for anything, so that a profile
 * never stores a key that fails at 3 a.m. A passphrase-protected key belongs in the agent.
 */
export function checkPrivateKey(text: string, from: string): void {
  const parsed = ssh2().utils.parseKey(text);
  if (parsed instanceof Error) {
    if (/passphrase|encrypted/i.test(parsed.message)) {
      throw new LifeboatError('BAD_INPUT', `The private key in ${from} is protected by a passphrase; add it to your SSH agent (ssh-add ${from}) and log in with the SSH agent instead, so the passphrase is never stored.`);
    }
    throw new LifeboatError('BAD_INPUT', `${from} does not hold a private key Lifeboat can read (${parsed.message}); give the private key file (e.g. ~/.ssh/id_ed25519), not the .pub one.`);
  }
  const keys: ParsedKey[] = Array.isArray(parsed) ? (parsed as ParsedKey[]) : [parsed];
  if (keys.length === 0 || keys.some((k) => !k.isPrivateKey())) {
    throw new LifeboatError('BAD_INPUT', `${from} holds a public key; give the private key file (e.g. ~/.ssh/id_ed25519), not the .pub one.`);
  }
}
