// Giving a finished archive its name: never over an existing file, and durably.
import { link, lstat, open, rename } from 'node:fs/promises';
import { ArchiveWriteError } from './write-error.js';

/** Whether anything (even a dangling symlink) has this name. */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

// link(2) fails with EEXIST instead of replacing, which rename(2) cannot promise.
export async function linkNoReplace(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new ArchiveWriteError(to, 'file exists (refusing to overwrite)', { cause: err });
    // File systems without hard links: check, then rename (a small race, documented).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (await exists(to)) throw new ArchiveWriteError(to, 'file exists (refusing to overwrite)', { cause: err });
    await rename(from, to);
  }
}

export function ignoreEnoent(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

/** Make the new directory entry durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
