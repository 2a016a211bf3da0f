// After a successful save with --keep-archives: older archives of the zone in the target
// directory go. Which files are the zone's archives is read from each file's verified header
// (archive/archive-identity.ts), never guessed from its name; the choice is plan/archive-retention.ts.
import { lstat, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readArchiveIdentity } from '../archive/archive-identity.js';
import { parseTempArchiveName } from '../archive/temp-name.js';
import { archivesToRemove, type ArchiveCandidate } from '../plan/archive-retention.js';
import type { Log } from './commands.js';

/** Keeps `written` and the `keep - 1` newest other archives of `zoneUuid` beside it; removes the rest. */
export async function pruneArchivesBeside(written: string, zoneUuid: string, keep: number, log: Log): Promise<void> {
  const dir = dirname(written);
  const candidates: ArchiveCandidate[] = [];
  const skipped: string[] = [];
  for (const name of await readdir(dir)) {
    if (name === basename(written) || parseTempArchiveName(name)) continue;
    const path = join(dir, name);
    try {
      if (!(await lstat(path)).isFile()) continue; // links and directories are never ours to remove
      const id = await readArchiveIdentity(path);
      if (id.kind === 'archive') candidates.push({ name, zoneUuid: id.header.zone.uuid, createdAt: id.header.createdAt });
      else if (id.kind === 'unreadable' || name.endsWith('.zbak')) skipped.push(`${name} (${id.kind === 'unreadable' ? id.reason : 'not a zbak archive'})`);
    } catch (e) {
      skipped.push(`${name} (${(e as Error).message})`);
    }
  }
  if (skipped.length > 0) log(`--keep-archives: kept ${skipped.length} file(s) in ${dir} that are not readable as archives: ${skipped.join('; ')}`);
  for (const name of archivesToRemove(candidates, { zoneUuid, keep, justWritten: basename(written) })) {
    const path = join(dir, name);
    try {
      await unlink(path);
      log(`removed older archive ${path}`);
    } catch (e) {
      log(`warning: kept ${path}: ${(e as Error).message}`);
    }
  }
}
