// After a successful save with --keep-archives: older archives of the zone in the target
// directory go. Which files are the zone's archives is read from each file's verified header
// (archive/archive-identity.ts), never guessed from its name; the choice is plan/archive-retention.ts.
import { unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { archivesToRemove, type ArchiveCandidate } from '../plan/archive-retention.js';
import type { Log } from './commands.js';
import { scanMedium } from './medium-scan.js';

/** Keeps `written` and the `keep - 1` newest other archives of `zoneUuid` beside it; removes the rest. */
export async function pruneArchivesBeside(written: string, zoneUuid: string, keep: number, log: Log): Promise<void> {
  const dir = dirname(written);
  const scan = await scanMedium(dir, [basename(written)]);
  const candidates: ArchiveCandidate[] = scan.archives.map((a) => ({ name: a.name, zoneUuid: a.header.zone.uuid, createdAt: a.header.createdAt }));
  if (scan.unreadable.length > 0) log(`--keep-archives: kept ${scan.unreadable.length} file(s) in ${dir} that are not readable as archives: ${scan.unreadable.join('; ')}`);
  for (const name of archivesToRemove(candidates, { zoneUuid, keep, justWritten: basename(written) })) await removeArchive(join(dir, name), log);
}

/** Removes one archive file; a failure is a warning (the file stays), never an abort. */
export async function removeArchive(path: string, log: Log): Promise<boolean> {
  try {
    await unlink(path);
    log(`removed older archive ${path}`);
    return true;
  } catch (e) {
    log(`warning: kept ${path}: ${(e as Error).message}`);
    return false;
  }
}
