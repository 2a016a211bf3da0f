// What archives a medium directory holds, each read from its own header and trailer
// (archive/archive-identity.ts), never guessed from its file name. Files that start like an
// archive but cannot be confirmed as a complete one are listed apart: nothing removes them.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readArchiveIdentity } from '../archive/archive-identity.js';
import { parseTempArchiveName } from '../archive/temp-name.js';
import type { Header } from '../archive/format.js';

export interface ArchiveOnMedium {
  name: string;
  path: string;
  header: Header;
}

export interface MediumScan {
  archives: ArchiveOnMedium[];
  /** "<name> (<why>)" for .zbak files and zbak-looking files that are not readable archives. */
  unreadable: string[];
}

export async function scanMedium(dir: string, skip: readonly string[] = []): Promise<MediumScan> {
  const archives: ArchiveOnMedium[] = [];
  const unreadable: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (skip.includes(name) || parseTempArchiveName(name)) continue;
    const path = join(dir, name);
    try {
      if (!(await lstat(path)).isFile()) continue; // links and directories are never ours
      const id = await readArchiveIdentity(path);
      if (id.kind === 'archive') archives.push({ name, path, header: id.header });
      else if (id.kind === 'unreadable' || name.endsWith('.zbak')) unreadable.push(`${name} (${id.kind === 'unreadable' ? id.reason : 'not a zbak archive'})`);
    } catch (e) {
      unreadable.push(`${name} (${(e as Error).message})`);
    }
  }
  return { archives, unreadable };
}
