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
