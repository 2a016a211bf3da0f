// What archives a medium directory holds, each read from its own header and trailer
// (archive/archive-identity.ts), never guessed from its file name. Files that start like an
// archive but cannot be confirmed as a complete one are listed apart: nothing removes them.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readArchiveIdentity } from '../archive/archive-identity.js';
import { parseTempArchiveName } from '../archive/temp-name.js';
import type { Header } from '../archive/format.js';
import { parseArchiveFileName } from '../model/names.js';

export interface ArchiveOnMedium {
  name: string;
  path: string;
  header: Header;
}

/**
 * An age-encrypted archive (docs/FORMAT.md "Encryption"): without a key only its file name
 * says whose and when it is. zbak never writes an encrypted incremental, so it is a full
 * archive: it may be pruned by the same rules, and no chain link depends on it. A
 * zstd-compressed archive ("Layers") is known the same way: reading its header would mean
 * decompressing it whole, and zbak never writes a compressed incremental either.
 */
export interface EncryptedOnMedium {
  name: string;
  path: string;
  zoneUuid: string;
  createdAt: string;
}

export interface MediumScan {
  archives: ArchiveOnMedium[];
  encrypted: EncryptedOnMedium[];
  /** "<name> (<why>)" for .zbak files and zbak-looking files that are not readable archives. */
  unreadable: string[];
}

export async function scanMedium(dir: string, skip: readonly string[] = []): Promise<MediumScan> {
  const archives: ArchiveOnMedium[] = [];
  const encrypted: EncryptedOnMedium[] = [];
  const unreadable: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (skip.includes(name) || parseTempArchiveName(name)) continue;
    const path = join(dir, name);
    try {
      if (!(await lstat(path)).isFile()) continue; // links and directories are never ours
      const id = await readArchiveIdentity(path);
      if (id.kind === 'archive') archives.push({ name, path, header: id.header });
      else if (id.kind === 'encrypted' || id.kind === 'compressed') {
        const named = parseArchiveFileName(name);
        if (named) encrypted.push({ name, path, ...named });
        else unreadable.push(`${name} (${id.kind}, and not named <alias>-<uuid>-<time>.zbak as zbak names archives)`);
      }
      else if (id.kind === 'unreadable' || name.endsWith('.zbak')) unreadable.push(`${name} (${id.kind === 'unreadable' ? id.reason : 'not a zbak archive'})`);
    } catch (e) {
      unreadable.push(`${name} (${(e as Error).message})`);
    }
  }
  return { archives, encrypted, unreadable };
}
