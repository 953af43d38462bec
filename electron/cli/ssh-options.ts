import type { Command } from 'commander';
import { LifeboatError } from '../engine/errors.js';
import { asPgConnection, type PgConnection } from '../engine/pg/connection.js';
import { readIdentityFile, type SshChanges } from '../engine/profiles/profile-ssh.js';
import { hostCheckFrom, parseSshDestination, type SshRoute } from '../engine/ssh/ssh-route.js';

export interface SshOptions {
  /** false: --no-ssh (profile edit). */
  ssh?: string | boolean;
  sshIdentity?: string;
  sshAgent?: boolean;
  sshKnownHosts?: string;
  sshHostKey?: string;
}

/** The same five options on profiles and on every command that connects to a database. */
export function sshOptions(cmd: Command, reaches: string): Command {
  return cmd
    .option('--ssh <user@host[:port]>', `reach ${reaches} through this SSH server (its host and port in the URL are as the SSH server sees them)`)
    .option('--ssh-identity <file>', 'the private key that logs in to the SSH server (profiles keep it in the keychain)')
    .option('--ssh-agent', 'log in to the SSH server with the running SSH agent (SSH_AUTH_SOCK)')
    .option('--ssh-known-hosts <file>', "check the SSH server's host key against this known_hosts file (default ~/.ssh/known_hosts)")
    .option('--ssh-host-key <fingerprint>', "trust only this host key, as ssh-keygen -lf prints it (SHA256:...)");
}

function checkLogin(opts: SshOptions): void {
  if (opts.sshIdentity !== undefined && opts.sshAgent) throw new LifeboatError('BAD_INPUT', 'Give either --ssh-identity FILE or --ssh-agent, not both.');
  const given = opts.sshIdentity !== undefined || opts.sshAgent || opts.sshKnownHosts !== undefined || opts.sshHostKey !== undefined;
  if (given && opts.ssh === false) throw new LifeboatError('BAD_INPUT', '--no-ssh removes the SSH settings; drop the other --ssh-* options.');
}

/** Profile add/edit: the key file is read here, once, and goes to the keychain. */
export async function sshChangesFrom(opts: SshOptions): Promise<SshChanges> {
  checkLogin(opts);
  const c: SshChanges = {};
  if (opts.ssh === false) c.sshDestination = null;
  else if (typeof opts.ssh === 'string') c.sshDestination = opts.ssh;
  if (opts.sshIdentity !== undefined) c.sshIdentity = await readIdentityFile(opts.sshIdentity);
  else if (opts.sshAgent) c.sshIdentity = null;
  if (opts.sshKnownHosts !== undefined) c.sshKnownHostsFile = opts.sshKnownHosts;
  if (opts.sshHostKey !== undefined) c.sshHostKey = opts.sshHostKey;
  return c;
}

/** Ad-hoc commands: the route for this run only (the key is read into memory, stored nowhere). */
export async function adHocSshRoute(opts: SshOptions, env: NodeJS.ProcessEnv = process.env): Promise<SshRoute | null> {
  checkLogin(opts);
  if (typeof opts.ssh !== 'string') {
    if (opts.sshIdentity !== undefined || opts.sshAgent || opts.sshKnownHosts !== undefined || opts.sshHostKey !== undefined) {
      throw new LifeboatError('BAD_INPUT', 'The --ssh-* options need the SSH server too: add --ssh user@host[:port].');
    }
    return null;
  }
  const destination = parseSshDestination(opts.ssh);
  const hostCheck = hostCheckFrom(opts.sshKnownHosts, opts.sshHostKey, env);
  if (opts.sshIdentity === undefined && !opts.sshAgent) throw new LifeboatError('BAD_INPUT', 'Say how to log in to the SSH server: --ssh-identity FILE or --ssh-agent.');
  if (opts.sshIdentity === undefined) return { ...destination, auth: { kind: 'agent' }, hostCheck };
  const key = await readIdentityFile(opts.sshIdentity);
  return { ...destination, auth: { kind: 'key', privateKey: () => key }, hostCheck };
}

/** A URL (or a profile's connection) with the ad-hoc SSH route applied when one was given. */
export async function connectionWithSsh(conn: string | PgConnection | undefined, opts: SshOptions, env: NodeJS.ProcessEnv = process.env): Promise<string | PgConnection | undefined> {
  const route = await adHocSshRoute(opts, env);
  if (!route) return conn;
  return { ...asPgConnection(conn, env), ssh: route };
}
