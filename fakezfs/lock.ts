// A lock file around read-modify-write of the pool state, so concurrent fake
// commands (e.g. `zfs send | zfs receive` in one pool) see consistent state.
// The lock holds the owner's pid; a lock whose owner is dead is taken over.
//
// Taking over is the racy part: between "its owner is dead" and removing the
// file, the owner's successor may have taken a fresh lock under the same
// name. So removal happens only under a second, short-lived guard file, and
// only if the lock still holds the dead owner's pid. A missing lock file is
// never "dead": the waiter simply tries again.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZfsError } from './errors.js';

const TIMEOUT_MS = 120_000;
/** A lock file still empty after this long lost its writer between open and write. */
const EMPTY_STALE_MS = 5_000;

type Owner = { kind: 'gone' } | { kind: 'alive' } | { kind: 'dead'; text: string };

function owner(path: string): Owner {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw e;
  }
  const pid = Number(text);
  if (text === '' || !Number.isInteger(pid) || pid <= 0) {
    try {
      return Date.now() - statSync(path).mtimeMs > EMPTY_STALE_MS ? { kind: 'dead', text } : { kind: 'alive' };
    } catch {
      return { kind: 'gone' };
    }
  }
  try {
    process.kill(pid, 0);
    return { kind: 'alive' };
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH' ? { kind: 'dead', text } : { kind: 'alive' };
  }
}

function tryCreate(path: string): boolean {
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

/** Remove a lock whose owner died, unless someone else has taken it meanwhile. */
function takeOver(path: string, deadText: string): void {
  const guard = `${path}.takeover`;
  if (!tryCreate(guard)) {
    const g = owner(guard);
    if (g.kind === 'dead') rmSync(guard, { force: true });
    return;
  }
  try {
    const now = owner(path);
    if (now.kind === 'dead' && now.text === deadText) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  let wait = 2;
  while (!tryCreate(path)) {
    const o = owner(path);
    if (o.kind === 'gone') continue;
    if (o.kind === 'dead') {
      takeOver(path, o.text);
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
