/**
 * Whether a process of this machine is alive: signal 0 checks without signalling. EPERM means it
 * exists but belongs to another user — alive. Used for locks, interrupted restores, scratch files and
 * scheduler leases held by a process that may have died (kill -9, a crash).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
