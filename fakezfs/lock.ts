// A lock file around read-modify-write of the pool state, so concurrent fake
// commands (e.g. `zfs send | zfs receive` in one pool) see consistent state.
// The lock holds the owner's pid; a lock whose owner is dead is taken over.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZfsError } from './errors.js';

const TIMEOUT_MS = 120_000;

function ownerIsDead(path: string): boolean {
  try {
    const text = readFileSync(path, 'utf8').trim();
    const pid = Number(text);
    // An empty file is a lock being written right now, unless it is old.
    if (text === '' || !Number.isInteger(pid)) return Date.now() - statSync(path).mtimeMs > 5_000;
    process.kill(pid, 0);
    return false;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ESRCH' || code === 'ENOENT';
  }
}

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  let wait = 2;
  while (!tryAcquire(path)) {
    if (ownerIsDead(path)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() - start > TIMEOUT_MS) {
      throw new ZfsError(`fakezfs: timed out waiting for lock ${path}\n`);
    }
    await sleep(wait);
    wait = Math.min(wait * 2, 50);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
