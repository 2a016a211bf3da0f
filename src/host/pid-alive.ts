// Whether a process id names a live process on this host: the liveness test behind
// the zone lock and the sweep of a dead save's temp files.

/** true unless the kernel says no such process (ESRCH); EPERM means it exists under another user. */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
