// What the save planner knows about the host: pure data gathered by run/gather.ts.
import type { HostFacts } from '../parse/sysinfo.js';
import type { ImgadmRecord } from '../parse/imgadm.js';
import type { Vm } from '../parse/vmadm.js';
import type { ZfsRow } from '../parse/zfs-list.js';

export interface ImageFacts {
  uuid: string;
  record: ImgadmRecord;
  /** `imgadm get` output exactly as printed; stored verbatim in the archive. */
  rawRecord: string;
}

export interface SaveInventory {
  host: HostFacts;
  vm: Vm;
  /** `vmadm get` output exactly as printed; stored verbatim in the archive. */
  rawVmJson: string;
  /** `zfs list -t all -r <pool>` of the zone's pool. */
  rows: ZfsRow[];
  /** imgadm records of every image the zone's datasets are cloned from, and their ancestors. */
  images: ImageFacts[];
  /** Per zone dataset (full name), the properties set on it (`zfs get -s local,received all`). */
  props?: Record<string, Record<string, string>>;
}

/** Snapshots of one dataset, oldest first. */
export function snapshotsOf(rows: readonly ZfsRow[], dataset: string): ZfsRow[] {
  return rows
    .filter((r) => r.type === 'snapshot' && r.name.startsWith(`${dataset}@`))
    .sort((a, b) => a.createtxg - b.createtxg);
}

export function findRow(rows: readonly ZfsRow[], name: string): ZfsRow | undefined {
  return rows.find((r) => r.name === name);
}

/** `<pool>/<uuid>@final` -> uuid, else undefined. */
export function imageUuidOfOrigin(origin: string | undefined, pool: string): string | undefined {
  const m = origin === undefined ? null : /^([^/@]+)\/([0-9a-f-]{36})@final$/.exec(origin);
  return m && m[1] === pool ? m[2] : undefined;
}

/** The most bytes any filesystem or volume in `rows` references: what sizes a save's parts. */
export function largestDatasetBytes(rows: readonly ZfsRow[]): number {
  return rows.reduce((max, r) => (r.type === 'snapshot' ? max : Math.max(max, r.referenced)), 0);
}
