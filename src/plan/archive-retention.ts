// Which older archives of a zone `save --keep-archives N` removes from the target
// directory. Candidates are files whose verified header names the zone (the caller reads
// them); they are ranked by the header's createdAt, not by the stamp in their file name,
// which a copied or renamed file can carry from anywhere. The archive just written is never
// a candidate and counts as the newest kept. Pure.

export interface ArchiveCandidate {
  /** File name in the target directory. */
  name: string;
  /** zone.uuid of its verified header. */
  zoneUuid: string;
  /** createdAt of its verified header (ISO 8601). */
  createdAt: string;
}

export interface RetentionOptions {
  zoneUuid: string;
  /** Archives of the zone to keep, the one just written included (at least 1). */
  keep: number;
  /** Name of the archive this save wrote. */
  justWritten: string;
}

/** Names to remove so that the just-written archive and the newest `keep - 1` others of the zone stay. */
export function archivesToRemove(candidates: readonly ArchiveCandidate[], opts: RetentionOptions): string[] {
  const older = candidates
    .filter((c) => c.zoneUuid === opts.zoneUuid && c.name !== opts.justWritten)
    .map((c) => ({ ...c, time: Date.parse(c.createdAt) }))
    .sort((a, b) => b.time - a.time || (b.name < a.name ? -1 : b.name > a.name ? 1 : 0));
  return older.slice(Math.max(opts.keep, 1) - 1).map((c) => c.name);
}
