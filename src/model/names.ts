// Dataset and snapshot names. Names are for display and addressing;
// identity is the GUID (zrepl's rule), which the plans carry alongside.

/** "zones/abc@snap" -> { dataset: "zones/abc", snapshot: "snap" } */
export function splitSnapshotName(full: string): { dataset: string; snapshot: string } | undefined {
  const at = full.indexOf('@');
  if (at <= 0 || at === full.length - 1) return undefined;
  return { dataset: full.slice(0, at), snapshot: full.slice(at + 1) };
}

/** Pool of a dataset name: the part before the first '/'. */
export function poolOf(dataset: string): string {
  const slash = dataset.indexOf('/');
  return slash === -1 ? dataset : dataset.slice(0, slash);
}

/** "zones/a/b" relative to pool "zones" -> "a/b". */
export function relativeToPool(dataset: string): string {
  const slash = dataset.indexOf('/');
  if (slash === -1) throw new Error(`dataset ${dataset} is a pool, not a dataset`);
  return dataset.slice(slash + 1);
}

export function inPool(pool: string, relative: string): string {
  return `${pool}/${relative}`;
}

/** True when `child` is `parent` itself or lies below it. */
export function isSameOrBelow(child: string, parent: string): boolean {
  return child === parent || child.startsWith(`${parent}/`);
}

/** zbak's snapshot name for a save at `date`: zbak-YYYYMMDDTHHMMSSZ. */
export function zbakSnapshotName(date: Date): string {
  return `zbak-${compactUtcStamp(date)}`;
}

export function compactUtcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

const ARCHIVE_NAME_RE = /^(?:[A-Za-z0-9._-]+-)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.zbak$/;

/**
 * The zone and time of an archive named as zbak names them (`<alias>-<uuid>-<stamp>.zbak`),
 * or undefined. Used only where the header cannot be read: an encrypted archive on a
 * medium, which the nightly host holds no key for (docs/FORMAT.md "Encryption"), or a
 * compressed one ("Layers").
 */
export function parseArchiveFileName(name: string): { zoneUuid: string; createdAt: string } | undefined {
  const m = ARCHIVE_NAME_RE.exec(name);
  if (!m) return undefined;
  const createdAt = `${m[2]}-${m[3]}-${m[4]}T${m[5]}:${m[6]}:${m[7]}.000Z`;
  const t = new Date(createdAt);
  if (Number.isNaN(t.getTime()) || t.toISOString() !== createdAt) return undefined;
  return { zoneUuid: m[1]!, createdAt };
}

/**
 * Orders dataset names by their code units: the same order on every host and locale, a parent
 * before everything below it (a prefix sorts first), and no ICU collator to load (localeCompare's
 * first call costs milliseconds, seconds under TCG).
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
