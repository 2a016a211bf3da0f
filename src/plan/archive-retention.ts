// Which older archives of a zone `save --keep-archives N` removes from the
// target directory: only files named the way save names them
// (`[<alias>-]<uuid>-<UTC stamp>.zbak`) for that zone's uuid, newest kept. Pure.

const ARCHIVE_NAME = /^(?:.*-)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{8}T\d{6}Z)\.zbak$/;

/** The archive's zone uuid and stamp, or undefined when the name is not one save writes. */
export function parseArchiveName(name: string): { uuid: string; stamp: string } | undefined {
  const m = ARCHIVE_NAME.exec(name);
  return m ? { uuid: m[1]!, stamp: m[2]! } : undefined;
}

/** Names in `names` to remove so that the newest `keep` archives of `uuid` stay. */
export function archivesToRemove(names: readonly string[], uuid: string, keep: number): string[] {
  const mine = names
    .map((name) => ({ name, parsed: parseArchiveName(name) }))
    .filter((a) => a.parsed?.uuid === uuid)
    .sort((a, b) => b.parsed!.stamp.localeCompare(a.parsed!.stamp) || b.name.localeCompare(a.name));
  return mine.slice(Math.max(keep, 1)).map((a) => a.name);
}
