// File-tree operations behind datasets: freeze a copy (snapshot), move files
// in and out of the host root (mount/unmount), scan sizes. `skip` holds the
// absolute paths of other filesystems mounted inside the tree: their files
// are not ours, only the empty directory they are mounted on is.
import {
  copyFileSync,
  constants,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  utimesSync,
  chmodSync,
  existsSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';

/** One file of a tree: relative path, size in bytes, mtime in whole ms. */
export type ManifestEntry = [path: string, size: number, mtimeMs: number];

const NO_SKIP: ReadonlySet<string> = new Set();

function containsSkip(abs: string, skip: ReadonlySet<string>): boolean {
  for (const s of skip) if (s.startsWith(`${abs}/`)) return true;
  return false;
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

function keepMeta(dst: string, st: Stats): void {
  chmodSync(dst, st.mode & 0o7777);
  utimesSync(dst, st.atime, st.mtime);
}

/** Copies src into dst (created) and returns the manifest of what was copied. */
export function copyTree(src: string, dst: string, skip: ReadonlySet<string> = NO_SKIP): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const walk = (s: string, d: string, rel: string): void => {
    mkdirSync(d, { recursive: true });
    for (const name of entries(s)) {
      const sp = join(s, name);
      const dp = join(d, name);
      const rp = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(sp);
      if (skip.has(sp)) {
        mkdirSync(dp, { recursive: true });
      } else if (st.isDirectory()) {
        walk(sp, dp, rp);
        keepMeta(dp, st);
      } else if (st.isFile()) {
        copyFileSync(sp, dp, constants.COPYFILE_FICLONE);
        keepMeta(dp, st);
        out.push([rp, st.size, Math.floor(st.mtimeMs)]);
      } else if (st.isSymbolicLink()) {
        symlinkSync(readlinkSync(sp), dp);
        out.push([rp, st.size, Math.floor(st.mtimeMs)]);
      }
    }
  };
  walk(src, dst, '');
  return out;
}

/** The manifest of a tree without copying it. */
export function scanTree(dir: string, skip: ReadonlySet<string> = NO_SKIP): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of entries(d)) {
      const p = join(d, name);
      if (skip.has(p)) continue;
      const st = lstatSync(p);
      const rp = rel === '' ? name : `${rel}/${name}`;
      if (st.isDirectory()) walk(p, rp);
      else if (st.isFile() || st.isSymbolicLink()) out.push([rp, st.size, Math.floor(st.mtimeMs)]);
    }
  };
  walk(dir, '');
  return out;
}

function moveOne(src: string, dst: string): void {
  try {
    renameSync(src, dst);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    const st = lstatSync(src);
    if (st.isDirectory()) copyTree(src, dst);
    else if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else {
      copyFileSync(src, dst);
      keepMeta(dst, st);
    }
    rmSync(src, { recursive: true, force: true });
  }
}

/**
 * Moves the contents of src into dst (merging directories, replacing files),
 * leaving skipped mountpoints where they are. Empty directories left behind
 * in src are removed, src itself is kept.
 */
export function moveTree(src: string, dst: string, skip: ReadonlySet<string> = NO_SKIP): void {
  mkdirSync(dst, { recursive: true });
  for (const name of entries(src)) {
    const sp = join(src, name);
    const dp = join(dst, name);
    if (skip.has(sp)) {
      mkdirSync(dp, { recursive: true });
      continue;
    }
    const st = lstatSync(sp);
    const dstIsDir = existsSync(dp) && lstatSync(dp).isDirectory();
    if (st.isDirectory() && (containsSkip(sp, skip) || dstIsDir)) {
      moveTree(sp, dp, skip);
      if (!containsSkip(sp, skip)) rmdirQuiet(sp);
      continue;
    }
    if (existsSync(dp) || isDanglingLink(dp)) rmSync(dp, { recursive: true, force: true });
    moveOne(sp, dp);
  }
}

function isDanglingLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Removes everything in dir except skipped mountpoints (and the dirs holding them). */
export function clearTree(dir: string, skip: ReadonlySet<string> = NO_SKIP): void {
  for (const name of entries(dir)) {
    const p = join(dir, name);
    if (skip.has(p)) continue;
    if (containsSkip(p, skip)) clearTree(p, skip);
    else rmSync(p, { recursive: true, force: true });
  }
}

export function rmdirQuiet(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty or already gone: real zfs ignores this too.
  }
}
