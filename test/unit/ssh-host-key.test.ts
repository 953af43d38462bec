import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePgConnection, serverEndpoint, throughLocalPort } from '../../electron/engine/pg/connection.js';
import { checkKnownHosts, fingerprintOf, keyTypeOf, normalizeFingerprint } from '../../electron/engine/ssh/host-key.js';
import { formatSshDestination, parseSshDestination } from '../../electron/engine/ssh/ssh-route.js';

function blob(type: string, body: Buffer): Buffer {
  const name = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  return Buffer.concat([len, name, body]);
}
const real = blob('ssh-ed25519', randomBytes(36));
const other = blob('ssh-ed25519', randomBytes(36));
const rsa = blob('ssh-rsa', randomBytes(64));
const line = (hosts: string, key: Buffer): string => `${hosts} ${keyTypeOf(key)} ${key.toString('base64')}`;
function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  it('trusts a listed key, by name, [name]:port, hashed entry or wildcard', () => {
    expect(checkKnownHosts(line('bastion.example.com,10.0.0.1', real), 'bastion.example.com', 22, real)).toEqual({ ok: true });
    expect(checkKnownHosts(line('[bastion]:2222', real), 'bastion', 2222, real)).toEqual({ ok: true });
    expect(checkKnownHosts(line(hashed('[127.0.0.1]:2222'), real), '127.0.0.1', 2222, real)).toEqual({ ok: true });
    expect(checkKnownHosts(line('*.example.com', real), 'db.example.com', 22, real)).toEqual({ ok: true });
    expect(checkKnownHosts(`# comment\n\n${line('bastion', real)}`, 'BASTION', 22, real)).toEqual({ ok: true });
  });

  it('calls a different key of the same type "changed", and anything else "unknown"', () => {
    expect(checkKnownHosts(line('bastion', other), 'bastion', 22, real)).toEqual({ ok: false, reason: 'changed' });
    expect(checkKnownHosts(line(hashed('bastion'), other), 'bastion', 22, real)).toEqual({ ok: false, reason: 'changed' });
    expect(checkKnownHosts(line('bastion', rsa), 'bastion', 22, real)).toEqual({ ok: false, reason: 'unknown' });
    expect(checkKnownHosts(line('bastion', real), 'bastion', 2222, real)).toEqual({ ok: false, reason: 'unknown' });
    expect(checkKnownHosts(line('*.example.com,!evil.example.com', real), 'evil.example.com', 22, real)).toEqual({ ok: false, reason: 'unknown' });
    expect(checkKnownHosts('', 'bastion', 22, real)).toEqual({ ok: false, reason: 'unknown' });
    expect(checkKnownHosts(`@cert-authority ${line('*', real)}`, 'bastion', 22, real)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses a revoked key even when another line lists it', () => {
    expect(checkKnownHosts(`${line('bastion', real)}\n@revoked ${line('*', real)}`, 'bastion', 22, real)).toEqual({ ok: false, reason: 'revoked' });
  });
});

describe('fingerprints and destinations', () => {
  it('prints fingerprints as ssh-keygen does and accepts them with or without padding', () => {
    const f = fingerprintOf(real);
    expect(f).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(normalizeFingerprint(`${f}=`)).toBe(f);
    expect(() => normalizeFingerprint('MD5:12:34')).toThrow(/is not an SSH host key fingerprint/);
  });

  it('parses user@host[:port] and IPv6 in brackets', () => {
    expect(parseSshDestination('deploy@Bastion.example.com')).toEqual({ user: 'deploy', host: 'bastion.example.com', port: 22 });
    expect(parseSshDestination('me@[::1]:2222')).toEqual({ user: 'me', host: '::1', port: 2222 });
    expect(formatSshDestination({ user: 'me', host: '::1', port: 2222 })).toBe('me@[::1]:2222');
    for (const bad of ['bastion', '@host', 'me@', 'me@host:0', 'me@host:70000', 'me@ho st']) expect(() => parseSshDestination(bad)).toThrow(/is not an SSH destination/);
  });
});

describe('the connection through a local port', () => {
  it('replaces host and port, keeps every other byte, and names the real server in messages', () => {
    const c = parsePgConnection('postgresql://app@db.internal:6543/shop?sslmode=require&options=-c%20statement_timeout%3D5', {});
    expect(serverEndpoint(c, {})).toEqual({ kind: 'tcp', host: 'db.internal', port: 6543 });
    const t = throughLocalPort({ ...c, password: 'pw' }, 40001, 'me@bastion');
    expect(t.url).toBe('postgresql://app@127.0.0.1:40001/shop?sslmode=require&options=-c%20statement_timeout%3D5');
    expect(t.password).toBe('pw');
    expect(t.display).toBe('db.internal:6543 through SSH me@bastion');
  });

  it('forwards to the unix socket a host directory names', () => {
    const c = parsePgConnection('postgresql://postgres@/shop?host=%2Fvar%2Frun%2Fpostgresql&port=5433', {});
    expect(serverEndpoint(c, {})).toEqual({ kind: 'unix', path: '/var/run/postgresql/.s.PGSQL.5433' });
    expect(throughLocalPort(c, 40002, 'me@bastion').url).toBe('postgresql://postgres@127.0.0.1:40002/shop');
  });

  it('uses the PG* variables when there is no URL', () => {
    const c = parsePgConnection(undefined, { PGHOST: 'db', PGPORT: '5555' });
    expect(serverEndpoint(c, { PGHOST: 'db', PGPORT: '5555' })).toEqual({ kind: 'tcp', host: 'db', port: 5555 });
    expect(throughLocalPort(c, 40003, 'me@bastion').url).toBe('postgresql://127.0.0.1:40003');
  });
});
