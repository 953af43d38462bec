// A real OpenSSH server (Debian's openssh-server) on loopback for the tests: its own host key,
// config, authorized_keys and pid file in a temp folder, started in the foreground (-D) so that
// stop() ends it and nothing is left behind.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const execFileAsync = promisify(execFile);

export interface SshKeyPair {
  privateKeyPath: string;
  privateKey: string;
  publicKey: string;
  /** SHA256:… as ssh-keygen -lf prints it. */
  fingerprint: string;
}

export async function makeKeyPair(dir: string, name: string, opts: { passphrase?: string } = {}): Promise<SshKeyPair> {
  const file = path.join(dir, name);
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', opts.passphrase ?? '', '-C', name, '-f', file]);
  const { stdout } = await execFileAsync('ssh-keygen', ['-l', '-f', `${file}.pub`]);
  return { privateKeyPath: file, privateKey: await readFile(file, 'utf8'), publicKey: (await readFile(`${file}.pub`, 'utf8')).trim(), fingerprint: stdout.split(' ')[1] ?? '' };
}

export interface Sshd {
  port: number;
  user: string;
  /** user@127.0.0.1:port, as --ssh takes it. */
  destination: string;
  hostKey: SshKeyPair;
  /** A key the server accepts. */
  clientKey: SshKeyPair;
  /** A known_hosts line for this server's real host key. */
  knownHostsLine: string;
  /** A known_hosts line that lists another key for this server (a "changed" host key). */
  knownHostsLineWith(other: SshKeyPair): string;
  dir: string;
  /** Processes sshd runs for open sessions (one per connection). */
  sessionPids(): Promise<number[]>;
  /** Waits up to 5 s for every session to end (a closed tunnel ends on the server's side too); the ones left. */
  sessionsLeft(): Promise<number[]>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${log()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port}: ${log()}`);
}

async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export async function startSshd(): Promise<Sshd> {
  // Privilege separation needs this directory; Debian creates it at boot only when the service runs.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-sshd-'));
  const hostKey = await makeKeyPair(dir, 'host_ed25519');
  const clientKey = await makeKeyPair(dir, 'client_ed25519');
  await writeFile(path.join(dir, 'authorized_keys'), `${clientKey.publicKey}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  await writeFile(config, [
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey.privateKeyPath}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'X11Forwarding no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    '',
  ].join('\n'));
  let log = '';
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config, '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  await waitForPort(port, child, () => log);
  const user = os.userInfo().username;
  const [type, key] = hostKey.publicKey.split(' ');
  const sessionPids = () => (child.pid ? childrenOf(child.pid) : Promise.resolve([]));
  return {
    port,
    user,
    destination: `${user}@127.0.0.1:${port}`,
    hostKey,
    clientKey,
    knownHostsLine: `[127.0.0.1]:${port} ${type} ${key}`,
    knownHostsLineWith: (other) => `[127.0.0.1]:${port} ${other.publicKey.split(' ').slice(0, 2).join(' ')}`,
    dir,
    sessionPids,
    async sessionsLeft() {
      const deadline = Date.now() + 5000;
      while ((await sessionPids()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return sessionPids();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
